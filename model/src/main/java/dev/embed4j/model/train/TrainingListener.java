package dev.embed4j.model.train;

import java.util.Map;
import java.util.function.Consumer;

/**
 * What a {@link Trainer} reports while it runs. The trainer itself never prints: an application shows
 * progress its own way (the command line draws a bar from {@link #step}), a library user may ignore it.
 * Every method does nothing by default; all are called on the thread that runs {@link Trainer#fit()}.
 */
public interface TrainingListener {
  /** Reports nothing (the default). */
  TrainingListener NONE = new TrainingListener() {};

  /** Training begins, or resumes from a checkpoint, at {@code firstStep} of {@code totalSteps}. */
  default void started(int firstStep, int totalSteps) {}

  /**
   * A step is done. {@code loss} is the loss of dataset {@code task} (NaN when the step was skipped);
   * {@code record} is what the step adds to {@code metrics.jsonl}: step, epoch, loss, gradient norm,
   * learning rate, samples per second and any evaluation's metrics.
   */
  default void step(int step, int totalSteps, String task, float loss, Map<String, Object> record) {}

  /**
   * A line for a person: a resumed checkpoint, a skipped step, an unfinished checkpoint removed, a newer
   * checkpoint passed over and why.
   */
  default void message(String text) {}

  /** A listener that passes each {@link #message} to {@code sink} and ignores the rest. */
  static TrainingListener messagesTo(Consumer<String> sink) {
    return new TrainingListener() {
      @Override
      public void message(String text) {
        sink.accept(text);
      }
    };
  }
}
