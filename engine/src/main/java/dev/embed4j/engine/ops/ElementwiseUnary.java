package dev.embed4j.engine.ops;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.UnaryOp;

/**
 * y = f(x) for the {@link UnaryOp} functions; the backend computes f' from x and y. GELU in training keeps
 * GELU'(x) instead, computed with y in the forward ({@code Backend.geluWithDerivative}), and its backward is
 * gy·GELU'(x): the normal CDF is not evaluated a second time, and x need not outlive the forward.
 */
public final class ElementwiseUnary extends Node {
  private final UnaryOp op;
  private final float param;
  private Tensor x, y, derivative;

  private ElementwiseUnary(UnaryOp op, float param, Tensor x, Tensor y, Tensor derivative) {
    super(x);
    this.op = op;
    this.param = param;
    this.x = derivative == null ? x : null; // with GELU'(x) kept, x itself is not needed
    this.y = y;
    this.derivative = derivative;
  }

  public static Tensor apply(UnaryOp op, float param, Tensor x) {
    Checks.sameDevice(op.name().toLowerCase(java.util.Locale.ROOT), x);
    Tensor in = Checks.dense(x);
    Tensor y = Checks.newContiguous(in, in.shape());
    boolean recording = Node.recording(in);
    if (recording && op == UnaryOp.GELU) {
      Tensor d = Checks.newContiguous(in, in.shape());
      in.backend().geluWithDerivative(in.storage(), y.storage(), d.storage(), in.numel());
      return new ElementwiseUnary(op, param, in, null, d).attach(y);
    }
    in.backend().unary(op, param, in.storage(), 0, y.storage(), 0, in.numel());
    return recording ? new ElementwiseUnary(op, param, in, y, null).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    if (derivative != null) return new Tensor[] {ElementwiseBinary.raw(BinaryOp.MUL, 0f, gradOutputs[0], derivative)};
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
    derivative = null;
  }
}
