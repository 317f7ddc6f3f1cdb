package org.sightline.model;

import java.util.List;
import java.util.Locale;

/**
 * Renders Keras's {@code model.summary()} table in the layout of Keras 2: for a {@link Sequential},
 * 65 columns (name, output shape and parameter columns ending at 29, 55 and 65); for a
 * {@link Functional}, 98 columns with a {@code Connected to} column (ending at 32, 53, 65 and 98), the
 * input layer first with its shape in a list, each further inbound tensor on a line of its own.
 */
final class ModelSummary {
    private static final int SEQUENTIAL_LINE = 65;
    private static final int[] SEQUENTIAL_COLUMNS = {29, 55, 65};
    private static final int FUNCTIONAL_LINE = 98;
    private static final int[] FUNCTIONAL_COLUMNS = {32, 53, 65, 98};

    private ModelSummary() {
    }

    static String render(Sequential model) {
        StringBuilder out = header(model, SEQUENTIAL_LINE, SEQUENTIAL_COLUMNS, "Layer (type)", "Output Shape",
                "Param #");
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            row(out, SEQUENTIAL_COLUMNS, layer.name() + " (" + layer.kerasClass() + ")",
                    model.outputShape(i).toString(), Long.toString(model.params(i)));
            separator(out, SEQUENTIAL_LINE, i == model.layers().size() - 1);
        }
        return footer(out, model, SEQUENTIAL_LINE);
    }

    static String render(Functional model) {
        StringBuilder out = header(model, FUNCTIONAL_LINE, FUNCTIONAL_COLUMNS, "Layer (type)", "Output Shape",
                "Param #", "Connected to");
        InputLayer input = model.input();
        row(out, FUNCTIONAL_COLUMNS, input.name() + " (" + InputLayer.KERAS_CLASS + ")", "[" + input.shape() + "]",
                "0", "");
        separator(out, FUNCTIONAL_LINE, false);
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            List<String> inbound = model.nodes().get(i).inbound();
            // Keras names an inbound tensor layer[node][tensor]; every layer here is applied once, one output.
            row(out, FUNCTIONAL_COLUMNS, layer.name() + " (" + layer.kerasClass() + ")",
                    model.outputShape(i).toString(), Long.toString(model.params(i)), inbound.get(0) + "[0][0]");
            for (int k = 1; k < inbound.size(); k++) {
                row(out, FUNCTIONAL_COLUMNS, "", "", "", inbound.get(k) + "[0][0]");
            }
            separator(out, FUNCTIONAL_LINE, i == model.layers().size() - 1);
        }
        return footer(out, model, FUNCTIONAL_LINE);
    }

    private static StringBuilder header(Network model, int line, int[] columns, String... titles) {
        StringBuilder out = new StringBuilder();
        out.append("Model: \"").append(model.name()).append("\"\n");
        out.append("_".repeat(line)).append('\n');
        row(out, columns, titles);
        out.append("=".repeat(line)).append('\n');
        return out;
    }

    private static void separator(StringBuilder out, int line, boolean last) {
        out.append((last ? "=" : "_").repeat(line)).append('\n');
    }

    private static String footer(StringBuilder out, Network model, int line) {
        out.append("Total params: ").append(grouped(model.totalParams())).append('\n');
        out.append("Trainable params: ").append(grouped(model.trainableParams())).append('\n');
        out.append("Non-trainable params: ").append(grouped(model.nonTrainableParams())).append('\n');
        out.append("_".repeat(line)).append('\n');
        return out.toString();
    }

    private static void row(StringBuilder out, int[] columnEnds, String... fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0 && line.length() > 0) {
                // Keras keeps one space between columns: an overflowing field loses its last character.
                line.setCharAt(line.length() - 1, ' ');
            }
            line.append(fields[i]);
            // Keras truncates a field that overflows its column, then pads to the column end.
            line.setLength(Math.min(line.length(), columnEnds[i]));
            line.append(" ".repeat(columnEnds[i] - line.length()));
        }
        out.append(line).append('\n');
    }

    static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
