package dev.embed4j.model.train;

import java.util.Arrays;

/**
 * Per-task weights on the shared encoder's update, and optionally balancing: each task's gradient scaled
 * by the inverse of its running gradient norm, so that every task moves the encoder by the same amount
 * whatever the scale of its loss (in the spirit of GradNorm, Chen et al. 2018, "GradNorm: Gradient
 * Normalization for Adaptive Loss Balancing in Deep Multitask Networks", without its learned weights).
 *
 * <p>Each step trains on one task t, whose loss L_t gives the gradient g = ∇_θ L_t on the encoder's
 * parameters θ (all of them: the tasks share the whole encoder). With the task's weight w_t:
 * <pre>
 *   off:  update gradient = w_t · g
 *   on:   n_t ← n_t + 1;  m_t ← β·m_t + (1 − β)·‖g‖;  m̂_t = m_t / (1 − β^{n_t})   (EMA of the norm, bias-corrected as Adam's moments)
 *         G = mean over the tasks seen so far of m̂_u
 *         update gradient = s_t · g,  s_t = w_t · G / m̂_t
 * </pre>
 * so the update's norm is about w_t·G for every task: tasks with equal weights move the encoder equally,
 * and G keeps the overall scale that of the raw gradients, so the learning rate and {@code max_grad_norm}
 * keep their meaning (clipping applies after the scaling). Scaling the gradient equals scaling the loss,
 * s_t·∇L_t = ∇(s_t·L_t), s_t being a constant of the step. The current step's norm is in the average, so a
 * task's first step is scaled to G exactly; β (default 0.9) smooths the per-batch noise of ‖g‖ over about
 * 1/(1 − β) of the task's own steps. The logged loss stays the raw L_t.
 */
public final class TaskBalancer {
  private final float[] weights;
  private final boolean balance;
  private final double decay;
  private final double[] ema;
  private final long[] count;

  /**
   * @param weights one per task, each finite and ≥ 0
   * @param balance whether to scale by the inverse running gradient norm
   * @param decay β in [0, 1)
   */
  public TaskBalancer(float[] weights, boolean balance, double decay) {
    for (int i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Float.isFinite(weights[i])) {
        throw new IllegalArgumentException("task " + i + ": weight must be a finite number ≥ 0, got " + weights[i]);
      }
    }
    if (!(decay >= 0 && decay < 1)) throw new IllegalArgumentException("balance decay must be in [0, 1), got " + decay);
    this.weights = weights.clone();
    this.balance = balance;
    this.decay = decay;
    this.ema = new double[weights.length];
    this.count = new long[weights.length];
  }

  /** The factor for task {@code task}'s gradient, given its norm {@code norm} (finite) this step; updates the average. */
  public double scale(int task, double norm) {
    if (!balance) return weights[task];
    ema[task] = decay * ema[task] + (1 - decay) * norm;
    count[task]++;
    double own = average(task);
    if (!(own > 0)) return weights[task];
    double sum = 0;
    int seen = 0;
    for (int u = 0; u < ema.length; u++) {
      if (count[u] > 0) {
        sum += average(u);
        seen++;
      }
    }
    return weights[task] * (sum / seen) / own;
  }

  /** m̂_t: the bias-corrected running norm of task t's gradient, 0 before its first step. */
  public double average(int task) {
    return count[task] == 0 ? 0 : ema[task] / (1 - Math.pow(decay, count[task]));
  }

  /** The running averages and step counts, for a checkpoint: [m_0, n_0, m_1, n_1, …]. */
  double[] state() {
    double[] s = new double[2 * ema.length];
    for (int t = 0; t < ema.length; t++) {
      s[2 * t] = ema[t];
      s[2 * t + 1] = count[t];
    }
    return s;
  }

  void setState(double[] s) {
    if (s.length != 2 * ema.length) {
      throw new IllegalArgumentException("task balancer state for " + s.length / 2 + " tasks, this run has " + ema.length);
    }
    for (int t = 0; t < ema.length; t++) {
      ema[t] = s[2 * t];
      count[t] = (long) s[2 * t + 1];
    }
  }

  @Override
  public String toString() {
    return "TaskBalancer[weights=" + Arrays.toString(weights) + (balance ? ", balance β=" + decay : "") + "]";
  }
}
