package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.BinaryOp;
import java.util.Arrays;

/** {@code value} where the mask is non-zero, x elsewhere; no gradient flows to filled positions. */
public final class MaskedFill extends Node {
  private Tensor mask;

  private MaskedFill(Tensor x, Tensor mask) {
    super(x);
    this.mask = mask;
  }

  public static Tensor apply(Tensor x, Tensor mask, float value) {
    Checks.sameDevice("maskedFill", x, mask);
    int[] shape = Broadcast.shape("maskedFill", x.shape(), mask.shape());
    if (!Arrays.equals(shape, x.shape())) throw ShapeException.of("maskedFill", "the mask must broadcast to the input's shape", x.shape(), mask.shape());
    Tensor out = ElementwiseBinary.raw(BinaryOp.MASK_FILL, value, x, mask);
    return Node.recording(x) ? new MaskedFill(x, mask).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {ElementwiseBinary.raw(BinaryOp.MASK_FILL, 0f, g[0], mask)};
  }

  @Override
  protected void releaseSaved() {
    mask = null;
  }
}
