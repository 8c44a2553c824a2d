package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** Elements [start, end) of one axis, as a view; the backward scatters the gradient into zeros. */
public final class Slice extends Node {
  private final int[] inShape;
  private final int axis, start, end;

  private Slice(Tensor x, int axis, int start, int end) {
    super(x);
    this.inShape = x.shape();
    this.axis = axis;
    this.start = start;
    this.end = end;
  }

  public static Tensor apply(Tensor x, int axisArg, int start, int end) {
    Checks.sameDevice("slice", x);
    int[] shape = x.shape(), strides = x.strides();
    int axis = Tensor.normAxis(axisArg, shape.length, "slice");
    if (start < 0 || end > shape[axis] || start > end) {
      throw ShapeException.of("slice", "range [" + start + ", " + end + ") is outside axis " + axisArg + " of size " + shape[axis], shape);
    }
    int[] ns = shape.clone();
    ns[axis] = end - start;
    Tensor out = new Tensor(x.storage(), x.offset() + start * strides[axis], ns, strides);
    return Node.recording(x) ? new Slice(x, axis, start, end).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gx = Tensor.zeros(g[0].device(), inShape);
    Tensor region = new Tensor(gx.storage(), start * gx.strides()[axis], g[0].shape(), gx.strides());
    region.copyFrom(g[0]);
    return new Tensor[] {gx};
  }
}
