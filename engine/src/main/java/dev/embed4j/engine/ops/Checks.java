package dev.embed4j.engine.ops;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Autograd;

/** The input checks every op makes: live storage, one device. */
final class Checks {
  private Checks() {}

  /** Checks that every tensor is live and all are on one device; returns that device. */
  static Device sameDevice(String op, Tensor... tensors) {
    Device d = null;
    Tensor first = null;
    for (Tensor t : tensors) {
      if (t == null) continue;
      t.storage(); // throws if released
      if (d == null) {
        d = t.device();
        first = t;
      } else if (!d.equals(t.device())) {
        throw new IllegalArgumentException(op + ": tensors on different devices, " + java.util.Arrays.toString(first.shape())
            + " on " + d + " and " + java.util.Arrays.toString(t.shape()) + " on " + t.device()
            + "; move one with tensor.to(device)");
      }
    }
    return d;
  }

  /** t itself if it is contiguous from offset 0, else a copy that is (recorded for autograd). */
  static Tensor dense(Tensor t) {
    return t.isContiguous() && t.offset() == 0 ? t : t.copy();
  }

  static Tensor newContiguous(Tensor like, int[] shape) {
    var storage = like.backend().allocate(Tensor.numel(shape));
    Autograd.noteNewStorage(storage);
    return new Tensor(storage, 0, shape, Tensor.contiguousStrides(shape));
  }
}
