package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** Reorders axes as a view; the backward applies the inverse permutation. */
public final class Permute extends Node {
  private final int[] inverse;

  private Permute(Tensor x, int[] perm) {
    super(x);
    inverse = new int[perm.length];
    for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
  }

  public static Tensor apply(Tensor x, int[] perm) {
    Checks.sameDevice("permute", x);
    int[] shape = x.shape(), strides = x.strides();
    if (perm.length != shape.length) throw ShapeException.of("permute", perm.length + " axes given for rank " + shape.length, shape);
    int[] ns = new int[perm.length], nst = new int[perm.length];
    boolean[] seen = new boolean[perm.length];
    int[] p = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      p[i] = Tensor.normAxis(perm[i], shape.length, "permute");
      if (seen[p[i]]) throw ShapeException.of("permute", "axis " + perm[i] + " given twice", shape);
      seen[p[i]] = true;
      ns[i] = shape[p[i]];
      nst[i] = strides[p[i]];
    }
    Tensor out = new Tensor(x.storage(), x.offset(), ns, nst);
    return Node.recording(x) ? new Permute(x, p).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {g[0].permute(inverse)};
  }
}
