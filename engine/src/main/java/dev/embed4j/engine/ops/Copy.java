package dev.embed4j.engine.ops;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** A contiguous copy of any view; its gradient passes through unchanged. */
public final class Copy extends Node {
  private Copy(Tensor x) {
    super(x);
  }

  public static Tensor apply(Tensor x) {
    Checks.sameDevice("copy", x);
    int[] shape = x.shape();
    Tensor out = Checks.newContiguous(x, shape);
    x.backend().copy(x.storage(), x.offset(), x.strides(), out.storage(), 0, out.strides(), shape);
    return Node.recording(x) ? new Copy(x).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {g[0]};
  }
}
