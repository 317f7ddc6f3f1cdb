package org.sightline.examples.cli;

import org.sightline.compile.Precision;
import picocli.CommandLine.ITypeConverter;

/** Reads {@code --precision} as Keras names its policies: {@code float32}, {@code mixed_bfloat16}. */
final class PrecisionConverter implements ITypeConverter<Precision> {
    @Override
    public Precision convert(String value) {
        return Precision.fromKerasName(value);
    }
}
