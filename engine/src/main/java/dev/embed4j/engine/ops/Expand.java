package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/** A broadcast view (stride 0 on new or size-1 axes); the backward sums over those axes. */
public final class Expand extends Node {
  private final int[] inShape;

  private Expand(Tensor x) {
    super(x);
    inShape = x.shape();
  }

  public static Tensor apply(Tensor x, int[] shape) {
    Checks.sameDevice("expand", x);
    int[] b = Broadcast.shape("expand", x.shape(), shape);
    if (!Arrays.equals(b, shape)) throw ShapeException.of("expand", "cannot expand to the target shape", x.shape(), shape);
    Tensor out = new Tensor(x.storage(), x.offset(), shape, Broadcast.strides(x, shape));
    return Node.recording(x) ? new Expand(x).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {Broadcast.sumTo(g[0], inShape)};
  }
}
