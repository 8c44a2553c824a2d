package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/** The same elements in another shape (a view of contiguous tensors; a copy otherwise). */
public final class Reshape extends Node {
  private final int[] inShape;

  private Reshape(Tensor x) {
    super(x);
    inShape = x.shape();
  }

  public static Tensor apply(Tensor x, int[] requested) {
    Checks.sameDevice("reshape", x);
    int[] shape = resolve(x.shape(), requested);
    Tensor src = x;
    if (!x.isContiguous()) {
      try (var g = dev.embed4j.engine.Grad.off()) {
        src = x.copy();
      }
    }
    Tensor out = new Tensor(src.storage(), src.offset(), shape, Tensor.contiguousStrides(shape));
    return Node.recording(x) ? new Reshape(x).attach(out) : out;
  }

  static int[] resolve(int[] from, int[] to) {
    int[] shape = to.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1) {
        if (infer >= 0) throw ShapeException.of("reshape", "only one axis may be -1", from, to);
        infer = i;
      } else if (shape[i] < 0) {
        throw ShapeException.of("reshape", "negative size", from, to);
      } else {
        known *= shape[i];
      }
    }
    int n = Tensor.numel(from);
    if (infer >= 0) {
      if (known == 0 || n % known != 0) throw ShapeException.of("reshape", "cannot infer the -1 axis", from, to);
      shape[infer] = (int) (n / known);
    } else if (known != n) {
      throw ShapeException.of("reshape", n + " elements do not fit " + known, from, to);
    }
    return shape;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {g[0].reshape(inShape)};
  }

  @Override
  public String toString() {
    return "Reshape" + Arrays.toString(inShape);
  }
}
