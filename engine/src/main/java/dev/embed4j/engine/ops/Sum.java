package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/**
 * Sum over a set of axes. When the summed axes all lead, the backend sums down the columns of the
 * [summed, kept] matrix as it lies; otherwise the kept axes are moved to the front and the summed ones to
 * the back, so the backend sees one rows × cols row-sum. The backward broadcasts the gradient back over
 * the summed axes.
 */
public final class Sum extends Node {
  private final int[] inShape, keptShape;

  private Sum(Tensor x, int[] keptShape) {
    super(x);
    this.inShape = x.shape();
    this.keptShape = keptShape;
  }

  public static Tensor apply(Tensor x, int[] axes, boolean keepDim) {
    Checks.sameDevice("sum", x);
    int[] shape = x.shape();
    boolean[] reduce = new boolean[shape.length];
    for (int a : axes) {
      int n = Tensor.normAxis(a, shape.length, "sum");
      if (reduce[n]) throw ShapeException.of("sum", "axis " + a + " given twice", shape);
      reduce[n] = true;
    }
    int[] perm = new int[shape.length];
    int p = 0, rows = 1, cols = 1;
    int[] kept = shape.clone();
    int keptRank = 0;
    for (int i = 0; i < shape.length; i++) {
      if (!reduce[i]) {
        perm[p++] = i;
        rows *= shape[i];
        keptRank++;
      } else {
        kept[i] = 1;
      }
    }
    for (int i = 0; i < shape.length; i++) if (reduce[i]) {
      perm[p++] = i;
      cols *= shape[i];
    }
    int[] outShape = new int[keepDim ? shape.length : keptRank];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (keepDim) outShape[i] = kept[i];
      else if (!reduce[i]) outShape[j++] = shape[i];
    }
    int lead = 0;
    while (lead < shape.length && reduce[lead]) lead++;
    // a sum over everything stays a row-sum: one vectorised row, not one column of single elements
    boolean leadingOnly = lead > 0 && keptRank > 0 && keptRank == shape.length - lead;
    Tensor out = Checks.newContiguous(x, outShape);
    try (var g = dev.embed4j.engine.Grad.off()) {
      if (leadingOnly) {
        // the summed axes lead (a bias gradient over [batch, seq, hidden]): sum down the columns in
        // place rather than transposing the whole tensor first
        x.backend().sumColumns(Checks.dense(x).storage(), cols, rows, out.storage());
      } else {
        Tensor arranged = Checks.dense(isIdentity(perm) ? x : x.permute(perm));
        x.backend().sumRows(arranged.storage(), rows, cols, out.storage());
      }
    }
    return Node.recording(x) ? new Sum(x, kept).attach(out) : out;
  }

  private static boolean isIdentity(int[] perm) {
    for (int i = 0; i < perm.length; i++) if (perm[i] != i) return false;
    return true;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    return new Tensor[] {g[0].reshape(keptShape).expand(inShape).contiguous()};
  }

  @Override
  public String toString() {
    return "Sum" + Arrays.toString(inShape);
  }
}
