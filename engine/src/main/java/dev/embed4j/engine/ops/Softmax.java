package dev.embed4j.engine.ops;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** Softmax or log-softmax over the last axis; the backward needs only the output. */
public final class Softmax extends Node {
  private final boolean log;
  private Tensor y;

  private Softmax(Tensor x, Tensor y, boolean log) {
    super(x);
    this.y = y;
    this.log = log;
  }

  public static Tensor apply(Tensor x, boolean log) {
    Checks.sameDevice(log ? "logSoftmax" : "softmax", x);
    if (x.dim() == 0) throw new dev.embed4j.engine.ShapeException((log ? "logSoftmax" : "softmax") + ": needs at least one axis");
    Tensor in = Checks.dense(x);
    int cols = x.size(-1), rows = cols == 0 ? 0 : x.numel() / cols;
    Tensor y = Checks.newContiguous(in, in.shape());
    in.backend().softmax(in.storage(), y.storage(), rows, cols, log);
    return Node.recording(in) ? new Softmax(in, y, log).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gy = Checks.dense(g[0]);
    Tensor gx = Checks.newContiguous(gy, gy.shape());
    int cols = y.size(-1), rows = cols == 0 ? 0 : y.numel() / cols;
    y.backend().softmaxBackward(y.storage(), gy.storage(), gx.storage(), rows, cols, log);
    return new Tensor[] {gx};
  }

  @Override
  public String name() {
    return log ? "LogSoftmax" : "Softmax";
  }

  @Override
  protected void releaseSaved() {
    y = null;
  }
}
