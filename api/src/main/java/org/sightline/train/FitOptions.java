package org.sightline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sightline.data.Augmentation;
import org.sightline.data.ImageDataset;

/**
 * What Keras's {@code model.fit} takes besides the training data.
 *
 * <pre>{@code
 * FitOptions.builder().epochs(25).batchSize(64).validationData(test).seed(21)
 *         .callbacks(new ProgressLogger(System.out)).build()
 * }</pre>
 *
 * @param epochs         total epochs; a resumed model continues from the epochs it completed
 * @param batchSize      examples per optimizer step
 * @param validationData evaluated after each epoch
 * @param validationBatchSize examples per inference batch of the validation; in inference mode the batch size
 *                       changes no result beyond float rounding, only the speed (Keras's default is
 *                       {@code batchSize}; Sightline's {@link Builder#DEFAULT_VALIDATION_BATCH_SIZE})
 * @param seed           seeds the shuffling and augmentation of each epoch
 */
public record FitOptions(int epochs, int batchSize, Optional<ImageDataset> validationData, int validationBatchSize,
        long seed, Augmentation augmentation, List<Callback> callbacks) {

    public FitOptions {
        if (epochs <= 0) {
            throw new IllegalArgumentException("fit.epochs must be > 0, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("fit.batch_size must be > 0, got " + batchSize);
        }
        Objects.requireNonNull(validationData, "fit.validation_data");
        if (validationBatchSize <= 0) {
            throw new IllegalArgumentException("fit.validation_batch_size must be > 0, got " + validationBatchSize);
        }
        Objects.requireNonNull(augmentation, "fit.augmentation");
        callbacks = List.copyOf(callbacks);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link FitOptions} with Keras's defaults (1 epoch, batch 32, no validation). */
    public static final class Builder {
        /** Inference batches of 256 run several times faster per image than training's 32 or 64. */
        public static final int DEFAULT_VALIDATION_BATCH_SIZE = 256;
        private int epochs = 1;
        private int batchSize = 32;
        private ImageDataset validationData;
        private int validationBatchSize = DEFAULT_VALIDATION_BATCH_SIZE;
        private long seed;
        private Augmentation augmentation = Augmentation.NONE;
        private final List<Callback> callbacks = new ArrayList<>();

        public Builder epochs(int value) {
            this.epochs = value;
            return this;
        }

        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        public Builder validationData(ImageDataset value) {
            this.validationData = value;
            return this;
        }

        public Builder validationBatchSize(int value) {
            this.validationBatchSize = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public Builder augmentation(Augmentation value) {
            this.augmentation = value;
            return this;
        }

        public Builder callbacks(Callback... values) {
            callbacks.addAll(List.of(values));
            return this;
        }

        public Builder callbacks(List<? extends Callback> values) {
            callbacks.addAll(values);
            return this;
        }

        public FitOptions build() {
            return new FitOptions(epochs, batchSize, Optional.ofNullable(validationData), validationBatchSize, seed,
                    augmentation, callbacks);
        }
    }
}
