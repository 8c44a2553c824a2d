package dev.embed4j.engine.optim;

/**
 * Linear warm-up from 0 to the base rate over {@code warmupSteps}, then linear decay to 0 at
 * {@code totalSteps}, as transformers' get_linear_schedule_with_warmup (which sentence-transformers uses).
 */
public record LinearSchedule(float baseLearningRate, int warmupSteps, int totalSteps) {
  public LinearSchedule {
    if (warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException("LinearSchedule: need 0 <= warmupSteps <= totalSteps, totalSteps >= 1; got "
          + warmupSteps + " and " + totalSteps);
    }
  }

  /** The learning rate for the given 0-based step. */
  public float at(int step) {
    if (step < warmupSteps) return baseLearningRate * step / Math.max(1, warmupSteps);
    return baseLearningRate * Math.max(0f, (float) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  }

  /** Sets the optimiser's rate for {@code step}. */
  public void apply(Optimizer optimizer, int step) {
    optimizer.setLearningRate(at(step));
  }
}
