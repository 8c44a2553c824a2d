package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;

/** Log-sum-exp over the last axis built from engine ops, for the small tensors the losses combine. */
final class LogSumExp {
  private LogSumExp() {}

  /**
   * log Σ_c exp x[r, c] for x [rows, cols], as x[:, 0] − logSoftmax(x)[:, 0], which is exact and
   * differentiable; column 0 must be finite (−∞ is fine elsewhere). Returns [rows].
   */
  static Tensor rows(Tensor x) {
    int rows = x.size(0);
    Tensor first = x.slice(1, 0, 1);
    return first.sub(x.logSoftmax().slice(1, 0, 1)).reshape(rows);
  }
}
