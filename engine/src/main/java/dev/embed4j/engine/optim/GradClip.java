package dev.embed4j.engine.optim;

import dev.embed4j.engine.Tensor;
import java.util.List;

/** Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
  private GradClip() {}

  /** The L2 norm of all gradients taken together (in double). */
  public static double globalNorm(List<Tensor> params) {
    double sum = 0;
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g == null) continue;
      Tensor d = g.isContiguous() ? g : g.copy();
      sum += d.backend().sumOfSquares(d.storage(), d.offset(), d.numel());
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm; returns the
   * norm before clipping (NaN or infinite if some gradient is).
   */
  public static double clipByGlobalNorm(List<Tensor> params, double maxNorm) {
    double norm = globalNorm(params);
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1.0) {
      for (Tensor p : params) {
        if (p.grad() != null) p.grad().scaleInPlace((float) coef);
      }
    }
    return norm;
  }
}
