package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** LayerNorm over the last axis with weight (gamma), bias (beta) and eps; saves mean and 1/σ per row. */
public final class LayerNorm extends Node {
  private Tensor x, gamma, mean, rstd;

  private LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd) {
    super(x, gamma, beta);
    this.x = x;
    this.gamma = gamma;
    this.mean = mean;
    this.rstd = rstd;
  }

  public static Tensor apply(Tensor x, Tensor gamma, Tensor beta, float eps) {
    Checks.sameDevice("layerNorm", x, gamma, beta);
    int cols = x.size(-1);
    if (gamma.dim() != 1 || gamma.size(0) != cols || beta.dim() != 1 || beta.size(0) != cols) {
      throw ShapeException.of("layerNorm", "weight and bias must be [" + cols + "] for input", x.shape(), gamma.shape(), beta.shape());
    }
    Tensor in = Checks.dense(x), w = Checks.dense(gamma), b = Checks.dense(beta);
    int rows = cols == 0 ? 0 : in.numel() / cols;
    Tensor y = Checks.newContiguous(in, in.shape());
    Tensor mean = Checks.newContiguous(in, new int[] {rows}), rstd = Checks.newContiguous(in, new int[] {rows});
    in.backend().layerNorm(in.storage(), w.storage(), b.storage(), y.storage(), mean.storage(), rstd.storage(), rows, cols, eps);
    return Node.recording(in, w, b) ? new LayerNorm(in, w, b, mean, rstd).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gy = Checks.dense(g[0]);
    int cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
    Tensor gx = Checks.newContiguous(x, x.shape());
    boolean needParams = inputs()[1].requiresGrad() || inputs()[2].requiresGrad();
    Tensor gGamma = needParams ? Checks.newContiguous(x, new int[] {cols}) : null;
    Tensor gBeta = needParams ? Checks.newContiguous(x, new int[] {cols}) : null;
    x.backend().layerNormBackward(x.storage(), gamma.storage(), mean.storage(), rstd.storage(), gy.storage(), gx.storage(),
        needParams ? gGamma.storage() : null, needParams ? gBeta.storage() : null, rows, cols);
    return new Tensor[] {gx, inputs()[1].requiresGrad() ? gGamma : null, inputs()[2].requiresGrad() ? gBeta : null};
  }

  @Override
  protected void releaseSaved() {
    x = null;
    gamma = null;
    mean = null;
    rstd = null;
  }
}
