package dev.embed4j.engine.ops;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/**
 * y = x / max(‖x‖₂, eps) over the last axis, as torch.nn.functional.normalize. Backward, for rows whose
 * norm is above eps: dx = (g − y·⟨g, y⟩) / ‖x‖; for rows clamped to eps: dx = g / eps.
 */
public final class L2Normalize extends Node {
  private Tensor y, divisor, clampedRows;

  private L2Normalize(Tensor x, Tensor y, Tensor divisor, Tensor clampedRows) {
    super(x);
    this.y = y;
    this.divisor = divisor;
    this.clampedRows = clampedRows;
  }

  public static Tensor apply(Tensor x, float eps) {
    Checks.sameDevice("l2Normalize", x);
    Tensor y, divisor, clamped = null;
    try (var g = Grad.off()) {
      Tensor norm = x.mul(x).sum(-1, true).sqrt();
      float[] nv = norm.toFloatArray(); // one value per row: cheap to inspect on the host
      float[] mask = new float[nv.length];
      boolean any = false;
      for (int i = 0; i < nv.length; i++) {
        if (nv[i] < eps) {
          nv[i] = eps;
          mask[i] = 1f;
          any = true;
        }
      }
      divisor = any ? Tensor.of(nv, norm.shape()).to(x.device()) : norm;
      if (any) clamped = Tensor.of(mask, norm.shape()).to(x.device());
      y = x.div(divisor);
    }
    return Node.recording(x) ? new L2Normalize(x, y, divisor, clamped).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gy = g[0];
    Tensor projected = gy.sub(y.mul(gy.mul(y).sum(-1, true))).div(divisor);
    if (clampedRows == null) return new Tensor[] {projected};
    Tensor plain = gy.div(divisor);
    return new Tensor[] {projected.maskedFill(clampedRows, 0f).add(plain.sub(plain.maskedFill(clampedRows, 0f)))};
  }

  @Override
  protected void releaseSaved() {
    y = null;
    divisor = null;
    clampedRows = null;
  }
}
