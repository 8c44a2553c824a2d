package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.List;

/** Joins tensors along one axis; the backward slices the gradient apart. */
public final class Concat extends Node {
  private final int axis;
  private final int[] sizes;

  private Concat(Tensor[] xs, int axis, int[] sizes) {
    super(xs);
    this.axis = axis;
    this.sizes = sizes;
  }

  public static Tensor apply(List<Tensor> tensors, int axisArg) {
    if (tensors.isEmpty()) throw new ShapeException("concat: no tensors given");
    Tensor[] xs = tensors.toArray(new Tensor[0]);
    Checks.sameDevice("concat", xs);
    int[] first = xs[0].shape();
    int axis = Tensor.normAxis(axisArg, first.length, "concat");
    int[] sizes = new int[xs.length];
    int total = 0;
    for (int i = 0; i < xs.length; i++) {
      int[] s = xs[i].shape();
      boolean ok = s.length == first.length;
      for (int d = 0; ok && d < s.length; d++) ok = d == axis || s[d] == first[d];
      if (!ok) throw ShapeException.of("concat", "tensor " + i + " does not match tensor 0 off axis " + axisArg, first, s);
      sizes[i] = s[axis];
      total += s[axis];
    }
    int[] outShape = first.clone();
    outShape[axis] = total;
    Tensor out = Checks.newContiguous(xs[0], outShape);
    int[] ost = out.strides();
    int at = 0;
    for (Tensor x : xs) {
      x.backend().copy(x.storage(), x.offset(), x.strides(), out.storage(), at * ost[axis], ost, x.shape());
      at += x.shape()[axis];
    }
    return Node.recording(xs) ? new Concat(xs, axis, sizes).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor[] out = new Tensor[sizes.length];
    int at = 0;
    for (int i = 0; i < sizes.length; i++) {
      out[i] = inputs()[i].requiresGrad() ? g[0].slice(axis, at, at + sizes[i]) : null;
      at += sizes[i];
    }
    return out;
  }
}
