package dev.embed4j.engine.ops;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.BinaryOp;

/**
 * a + b, a − b, a · b, a / b with numpy broadcasting. The backward of each is one line; broadcast axes are
 * summed back by {@link Broadcast#sumTo}.
 */
public final class ElementwiseBinary extends Node {
  private final BinaryOp op;
  private final int[] shapeA, shapeB;
  private Tensor a, b; // saved only for MUL and DIV

  private ElementwiseBinary(BinaryOp op, Tensor a, Tensor b) {
    super(a, b);
    this.op = op;
    this.shapeA = a.shape();
    this.shapeB = b.shape();
    if (op == BinaryOp.MUL || op == BinaryOp.DIV) {
      this.a = a;
      this.b = b;
    }
  }

  public static Tensor apply(BinaryOp op, Tensor a, Tensor b) {
    String name = op.name().toLowerCase(java.util.Locale.ROOT);
    Checks.sameDevice(name, a, b);
    Tensor out = raw(op, 0f, a, b);
    return Node.recording(a, b) ? new ElementwiseBinary(op, a, b).attach(out) : out;
  }

  /** The forward alone, no graph: out = a ∘ b broadcast. */
  static Tensor raw(BinaryOp op, float param, Tensor a, Tensor b) {
    int[] shape = Broadcast.shape(op.name().toLowerCase(java.util.Locale.ROOT), a.shape(), b.shape());
    Tensor out = Checks.newContiguous(a, shape);
    a.backend().binary(op, param, a.storage(), a.offset(), Broadcast.strides(a, shape), b.storage(), b.offset(),
        Broadcast.strides(b, shape), out.storage(), shape);
    return out;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    Tensor g = gradOutputs[0];
    Tensor ga = null, gb = null;
    boolean needA = inputs()[0].requiresGrad(), needB = inputs()[1].requiresGrad();
    switch (op) {
      case ADD -> {
        ga = needA ? g : null;
        gb = needB ? g : null;
      }
      case SUB -> {
        ga = needA ? g : null;
        gb = needB ? g.neg() : null;
      }
      case MUL -> {
        ga = needA ? g.mul(b) : null;
        gb = needB ? g.mul(a) : null;
      }
      case DIV -> {
        ga = needA ? g.div(b) : null;
        gb = needB ? g.mul(a).div(b.mul(b)).neg() : null;
      }
      default -> throw new IllegalStateException(op.name());
    }
    return new Tensor[] {ga == null ? null : Broadcast.sumTo(ga, shapeA), gb == null ? null : Broadcast.sumTo(gb, shapeB)};
  }

  @Override
  public String name() {
    return op.name().charAt(0) + op.name().substring(1).toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  protected void releaseSaved() {
    a = null;
    b = null;
  }
}
