package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.Arrays;

/** numpy broadcasting: the result shape, the strides that read an input at it, and the reverse reduction. */
public final class Broadcast {
  private Broadcast() {}

  public static int[] shape(String op, int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
      int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
      if (da != db && da != 1 && db != 1) {
        throw ShapeException.of(op, "shapes cannot be broadcast together: axis " + i + " has " + da + " and " + db, a, b);
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Strides that read tensor t at shape {@code target} (0 on broadcast axes). */
  public static int[] strides(Tensor t, int[] target) {
    int[] s = t.shape(), st = t.strides();
    int[] out = new int[target.length];
    int lead = target.length - s.length;
    for (int i = 0; i < target.length; i++) {
      int j = i - lead;
      out[i] = j < 0 || s[j] == 1 && target[i] != 1 ? 0 : st[j];
    }
    return out;
  }

  /** Sums a gradient of the broadcast shape back to {@code shape} (the inverse of broadcasting). */
  public static Tensor sumTo(Tensor g, int[] shape) {
    int[] gs = g.shape();
    if (Arrays.equals(gs, shape)) return g;
    int lead = gs.length - shape.length;
    int count = 0;
    int[] axes = new int[gs.length];
    for (int i = 0; i < gs.length; i++) {
      if (i < lead || shape[i - lead] == 1 && gs[i] != 1) axes[count++] = i;
    }
    Tensor r = count == 0 ? g : Sum.apply(g, Arrays.copyOf(axes, count), true);
    return r.reshape(shape);
  }
}
