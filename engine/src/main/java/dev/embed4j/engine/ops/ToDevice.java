package dev.embed4j.engine.ops;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.Backends;

/** Moves a tensor to another device (through the host); the gradient moves back. */
public final class ToDevice extends Node {
  private final Device source;

  private ToDevice(Tensor x) {
    super(x);
    this.source = x.device();
  }

  public static Tensor apply(Tensor x, Device target) {
    Checks.sameDevice("to", x);
    float[] host = x.toFloatArray();
    int[] shape = x.shape();
    Tensor out = new Tensor(Backends.of(target).upload(host), 0, shape, Tensor.contiguousStrides(shape));
    return Node.recording(x) ? new ToDevice(x).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {g[0].to(source)};
  }
}
