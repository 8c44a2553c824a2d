package dev.embed4j.engine.ops;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.UnaryOp;

/** y = f(x) for the {@link UnaryOp} functions; the backend computes f' from x and y. */
public final class ElementwiseUnary extends Node {
  private final UnaryOp op;
  private final float param;
  private Tensor x, y;

  private ElementwiseUnary(UnaryOp op, float param, Tensor x, Tensor y) {
    super(x);
    this.op = op;
    this.param = param;
    this.x = x;
    this.y = y;
  }

  public static Tensor apply(UnaryOp op, float param, Tensor x) {
    Checks.sameDevice(op.name().toLowerCase(java.util.Locale.ROOT), x);
    Tensor in = Checks.dense(x);
    Tensor y = Checks.newContiguous(in, in.shape());
    in.backend().unary(op, param, in.storage(), 0, y.storage(), 0, in.numel());
    return Node.recording(in) ? new ElementwiseUnary(op, param, in, y).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    Tensor g = Checks.dense(gradOutputs[0]);
    Tensor gx = Checks.newContiguous(g, g.shape());
    x.backend().unaryBackward(op, param, x.storage(), y.storage(), g.storage(), gx.storage(), g.numel());
    return new Tensor[] {gx};
  }

  @Override
  public String name() {
    return "Unary(" + op.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  @Override
  protected void releaseSaved() {
    x = null;
    y = null;
  }
}
