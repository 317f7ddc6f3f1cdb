package org.sightline.train;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyDouble;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The order in which {@code fit} calls callbacks is part of their contract, as in Keras. */
class CallbackOrderTest {

    @Test
    void fitCallsCallbacksInKerasOrder() {
        Callback callback = mock(Callback.class);
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            // 256 images in batches of 64: 4 steps per epoch.
            model.fit(ModelTest.TRAIN, FitOptions.builder().epochs(2).batchSize(64).seed(1)
                    .callbacks(callback).build());
        }
        InOrder order = inOrder(callback);
        order.verify(callback).onTrainBegin(any());
        for (int epoch = 0; epoch < 2; epoch++) {
            order.verify(callback).onEpochBegin(any(), eq(epoch));
            for (int step = 1; step <= 4; step++) {
                order.verify(callback).onBatchEnd(any(), eq(step), anyDouble(), anyDouble(), anyDouble());
            }
            final int finished = epoch;
            order.verify(callback).onEpochEnd(any(), argThat(m -> m.epoch() == finished));
        }
        order.verify(callback).onTrainEnd(any());
        order.verifyNoMoreInteractions();
    }

    @Test
    void aStopRequestSkipsTheRestOfTheEpochAndItsEnd() {
        Callback stopper = new Callback() {
            @Override
            public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss,
                    double runningAccuracy) {
                if (step == 2) {
                    run.stopTraining("test stop");
                }
            }
        };
        Callback observer = mock(Callback.class);
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, FitOptions.builder().epochs(3).batchSize(64).seed(1)
                    .callbacks(stopper, observer).build());
        }
        verify(observer, times(2)).onBatchEnd(any(), anyInt(), anyDouble(), anyDouble(), anyDouble());
        verify(observer, never()).onEpochEnd(any(), any());
        verify(observer).onTrainEnd(any());
    }
}
