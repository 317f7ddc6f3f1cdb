package org.sightline.model;

import java.math.BigInteger;
import java.util.Locale;

/**
 * A shape or weight with more values than one Java array, and so one tensor, can hold. Thrown where
 * the product is computed, without the layer's name; {@link Sequential} adds it.
 */
final class TooManyValuesException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private TooManyValuesException(String message) {
        super(message);
    }

    /**
     * The number of values of {@code dims}, which a tensor can hold.
     *
     * @param what names the shape or weight in the message, e.g. {@code "weight 'kernel' [4096, 10]"}
     * @param unit what is counted, e.g. {@code "values per example"}
     * @throws TooManyValuesException if the product exceeds {@link Integer#MAX_VALUE}
     */
    static int count(int[] dims, String what, String unit) {
        long count = 1;
        for (int d : dims) {
            // Dimensions are at most 2^31 - 1, so a product still below that bound cannot overflow a long.
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new TooManyValuesException(String.format(Locale.ROOT, "%s has %s %s, more than the %,d a "
                        + "tensor can hold", what, exactCount(dims), unit, Integer.MAX_VALUE));
            }
        }
        return (int) count;
    }

    /** The full product for the message, which may not fit a long. */
    private static String exactCount(int[] dims) {
        BigInteger count = BigInteger.ONE;
        for (int d : dims) {
            count = count.multiply(BigInteger.valueOf(d));
        }
        return String.format(Locale.ROOT, "%,d", count);
    }
}
