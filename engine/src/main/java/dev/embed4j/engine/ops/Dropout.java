package dev.embed4j.engine.ops;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.Storage;

/**
 * Inverted dropout: each element is kept with probability 1 − p and scaled by 1/(1 − p). The mask is a
 * pure function of a seed drawn from the {@link Generator} and the element index, so it is never stored:
 * the backward regenerates it, and replaying the generator's state replays the mask.
 */
public final class Dropout extends Node {
  private final float p;
  private final long seed;

  private Dropout(Tensor x, float p, long seed) {
    super(x);
    this.p = p;
    this.seed = seed;
  }

  public static Tensor apply(Tensor x, float p, Generator generator) {
    Checks.sameDevice("dropout", x);
    if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
    if (p == 0f) return x;
    long seed = generator.nextSeed();
    Tensor in = Checks.dense(x);
    Tensor y = Checks.newContiguous(in, in.shape());
    in.backend().dropout(in.storage(), y.storage(), in.numel(), p, seed);
    return Node.recording(in) ? new Dropout(in, p, seed).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gy = Checks.dense(g[0]);
    Tensor gx = Checks.newContiguous(gy, gy.shape());
    Storage s = gy.storage();
    gy.backend().dropout(s, gx.storage(), gy.numel(), p, seed); // the same mask and scale
    return new Tensor[] {gx};
  }
}
