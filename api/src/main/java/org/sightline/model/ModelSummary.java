package org.sightline.model;

import java.util.Locale;

/**
 * Renders Keras's {@code model.summary()} table for a {@link Sequential}, in the layout of Keras 2
 * (65 columns; name, output shape and parameter columns ending at 29, 55 and 65).
 */
final class ModelSummary {
    private static final int LINE_LENGTH = 65;
    private static final int[] COLUMN_ENDS = {29, 55, 65};

    private ModelSummary() {
    }

    static String render(Sequential model) {
        StringBuilder out = new StringBuilder();
        out.append("Model: \"").append(model.name()).append("\"\n");
        out.append("_".repeat(LINE_LENGTH)).append('\n');
        row(out, "Layer (type)", "Output Shape", "Param #");
        out.append("=".repeat(LINE_LENGTH)).append('\n');
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            row(out, layer.name() + " (" + layer.kerasClass() + ")", model.outputShape(i).toString(),
                    Long.toString(model.params(i)));
            out.append(i == model.layers().size() - 1 ? "=" .repeat(LINE_LENGTH) : "_".repeat(LINE_LENGTH))
                    .append('\n');
        }
        out.append("Total params: ").append(grouped(model.totalParams())).append('\n');
        out.append("Trainable params: ").append(grouped(model.trainableParams())).append('\n');
        out.append("Non-trainable params: ").append(grouped(model.nonTrainableParams())).append('\n');
        out.append("_".repeat(LINE_LENGTH)).append('\n');
        return out.toString();
    }

    private static void row(StringBuilder out, String... fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            line.append(fields[i]);
            // Keras truncates a field that overflows its column, then pads to the column end.
            line.setLength(Math.min(line.length(), COLUMN_ENDS[i]));
            line.append(" ".repeat(COLUMN_ENDS[i] - line.length()));
        }
        out.append(line).append('\n');
    }

    static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
