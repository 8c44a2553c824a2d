package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/**
 * The fused core of the contrastive losses: for A [n, d], B [m, d] and S = scale·A·Bᵀ, the row
 * log-sum-exp (n), the diagonal S_ii (min(n, m)) and optionally the column log-sum-exp (m), with some
 * elements of S excluded by a {@link Mask}. S is never materialised: the backend streams it tile by tile
 * in the forward and recomputes the tiles in the backward, so memory is O((n + m)·d). Without the
 * columns and with a graph, the forward also computes the gradients of Σ rowLse (the backend holds a
 * block of rows of S, all columns, at a time): when the upstream gradient of rowLse is the same on every
 * row, as in a mean, the backward is a scaling of those, and otherwise it recomputes as usual.
 *
 * <p>A cross-entropy over the rows of S with targets on the diagonal is mean(rowLse − diag); over the
 * columns, mean(colLse − diag). Written so, the loss loses float32's relative precision when it is small:
 * rowLse and diag are both near the scale and each is rounded there (about 1e-6 at 20), which is 2.5e-3
 * of a loss of 4e-4. A loss that must stay exact leaves the diagonal out with {@link Mask#diagonal} (the
 * diag output is S_ii whatever the mask says): rowLse_i − diag_i is then log Σ_{j≠i} exp(S_ij − S_ii),
 * whose rounding is a relative error of the negatives' mass, and the row's cross-entropy is
 * softplus(rowLse_i − diag_i) = log(1 + Σ_{j≠i} exp(S_ij − S_ii)), exact with a log1p. Its gradient
 * weighs each row by sigmoid(rowLse_i − diag_i), so such a loss asks for no row gradient in the forward.
 * Outputs: 0 = rowLse, 1 = diag, 2 = colLse (when asked for).
 */
public final class PairwiseLogSumExp extends Node {
  /**
   * Which elements of S to leave out: (i, j) is excluded when {@code start[i] ≤ (j mod period) < end[i]}.
   * Plain arrays, so a device backend can apply the same predicate element by element.
   */
  public record Mask(int[] start, int[] end, int period) {
    public Mask {
      start = start.clone();
      end = end.clone();
    }

    /** Row i excludes the column range [start[i], end[i]). */
    public static Mask ranges(int[] start, int[] end) {
      return new Mask(start, end, Integer.MAX_VALUE);
    }

    /** Row i excludes column i: self-similarities when A and B are the same rows. */
    public static Mask diagonal(int rows) {
      int[] s = new int[rows], e = new int[rows];
      for (int i = 0; i < rows; i++) {
        s[i] = i;
        e[i] = i + 1;
      }
      return ranges(s, e);
    }

    /**
     * Row i excludes the columns i, i + period, i + 2·period, …: when B stacks blocks of {@code period}
     * rows (positives, then each hard-negative column), every document that belongs to row i.
     */
    public static Mask diagonalEvery(int rows, int period) {
      int[] s = new int[rows], e = new int[rows];
      for (int i = 0; i < rows; i++) {
        s[i] = i % period;
        e[i] = i % period + 1;
      }
      return new Mask(s, e, period);
    }
  }

  /** The outputs; {@code colLse} is null unless the columns were asked for. */
  public record Result(Tensor rowLse, Tensor diag, Tensor colLse) {}

  private Tensor a, b, rowLse, colLse;
  /** Rows only: the gradients of Σ_i rowLse_i, computed with the forward; null otherwise. */
  private Tensor unitGradA, unitGradB;
  private final float scale;
  private final Mask mask;
  private final int outputs;

  private PairwiseLogSumExp(Tensor a, Tensor b, float scale, Mask mask, Tensor rowLse, Tensor colLse) {
    super(a, b);
    this.a = a;
    this.b = b;
    this.scale = scale;
    this.mask = mask;
    this.rowLse = rowLse;
    this.colLse = colLse;
    this.outputs = colLse == null ? 2 : 3;
  }

  /**
   * {@link #apply(Tensor, Tensor, float, Mask, boolean, boolean)} with the row gradient computed in the
   * forward whenever it can be (rows only, with a graph).
   */
  public static Result apply(Tensor a, Tensor b, float scale, Mask mask, boolean columns) {
    return apply(a, b, scale, mask, columns, true);
  }

  /**
   * @param mask null for none
   * @param columns whether to compute the column log-sum-exp too (about half the exponentials)
   * @param rowGradientInForward with rows only and a graph, whether the forward also computes the gradient
   *     of Σ rowLse (three products in all when the upstream gradient of rowLse is the same on every row, as
   *     in a mean of rowLse − diag); false when the caller knows its row weights differ (a softplus or a
   *     log-sum-exp over directions after this op), since the backward would then recompute anyway and
   *     the forward's gradient would be two products spent for nothing
   */
  public static Result apply(Tensor a, Tensor b, float scale, Mask mask, boolean columns,
      boolean rowGradientInForward) {
    Checks.sameDevice("pairwiseLogSumExp", a, b);
    int[] as = a.shape(), bs = b.shape();
    if (as.length != 2 || bs.length != 2 || as[1] != bs[1]) {
      throw ShapeException.of("pairwiseLogSumExp", "A and B must be [n, d] and [m, d] with the same d", as, bs);
    }
    int n = as[0], m = bs[0], d = as[1];
    if (n == 0 || m == 0) throw ShapeException.of("pairwiseLogSumExp", "empty A or B", as, bs);
    if (!Float.isFinite(scale)) throw new IllegalArgumentException("pairwiseLogSumExp: scale must be finite, got " + scale);
    if (mask != null) checkMask(mask, n);
    Tensor da = Checks.dense(a), db = Checks.dense(b);
    Tensor row = Checks.newContiguous(da, new int[] {n});
    Tensor diag = Checks.newContiguous(da, new int[] {Math.min(n, m)});
    Tensor col = columns ? Checks.newContiguous(da, new int[] {m}) : null;
    if (!columns && rowGradientInForward && Node.recording(da, db)) {
      // rows only and a graph: a loss of this shape nearly always weighs its rows alike, so the forward
      // computes the gradient of Σ rowLse on the way (see Backend#pairwiseLogSumExpWithRowGradient)
      Tensor gA = Checks.newContiguous(da, as), gB = Checks.newContiguous(da, bs);
      da.backend().pairwiseLogSumExpWithRowGradient(da.storage(), db.storage(), n, m, d, scale,
          mask == null ? null : mask.start(), mask == null ? null : mask.end(), mask == null ? 1 : mask.period(),
          row.storage(), diag.storage(), gA.storage(), gB.storage());
      var node = new PairwiseLogSumExp(da, db, scale, mask, row.detach(), null);
      node.unitGradA = gA;
      node.unitGradB = gB;
      node.attachAll(row, diag);
      return new Result(row, diag, null);
    }
    da.backend().pairwiseLogSumExp(da.storage(), db.storage(), n, m, d, scale, mask == null ? null : mask.start(),
        mask == null ? null : mask.end(), mask == null ? 1 : mask.period(), row.storage(),
        col == null ? null : col.storage(), diag.storage());
    if (!Node.recording(da, db)) return new Result(row, diag, col);
    var node = new PairwiseLogSumExp(da, db, scale, mask, row.detach(), col == null ? null : col.detach());
    if (col == null) node.attachAll(row, diag);
    else node.attachAll(row, diag, col);
    return new Result(row, diag, col);
  }

  private static void checkMask(Mask mask, int n) {
    if (mask.start().length != n || mask.end().length != n) {
      throw new IllegalArgumentException("pairwiseLogSumExp: the mask has " + mask.start().length + " starts and "
          + mask.end().length + " ends for " + n + " rows of A");
    }
    if (mask.period() < 1) throw new IllegalArgumentException("pairwiseLogSumExp: mask period must be ≥ 1, got " + mask.period());
    for (int i = 0; i < n; i++) {
      int s = mask.start()[i], e = mask.end()[i];
      if (s < 0 || s > e || e > mask.period()) {
        throw new IllegalArgumentException("pairwiseLogSumExp: mask range [" + s + ", " + e + ") of row " + i
            + " must satisfy 0 ≤ start ≤ end ≤ period = " + mask.period());
      }
    }
  }

  @Override
  public int outputs() {
    return outputs;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    int n = a.size(0), m = b.size(0), d = a.size(1);
    Tensor gRow = g[0] == null ? null : Checks.dense(g[0]);
    Tensor gDiag = g[1] == null ? null : Checks.dense(g[1]);
    Tensor gCol = outputs > 2 && g[2] != null ? Checks.dense(g[2]) : null;
    if (unitGradA != null) {
      float weight = gRow == null ? 0f : uniform(gRow);
      if (!Float.isNaN(weight)) return fromUnitGradients(weight, gDiag);
    }
    Tensor gA = Checks.newContiguous(a, a.shape()), gB = Checks.newContiguous(a, b.shape());
    a.backend().pairwiseLogSumExpBackward(a.storage(), b.storage(), n, m, d, scale,
        mask == null ? null : mask.start(), mask == null ? null : mask.end(), mask == null ? 1 : mask.period(),
        rowLse.storage(), colLse == null ? null : colLse.storage(), gRow == null ? null : gRow.storage(),
        gCol == null ? null : gCol.storage(), gDiag == null ? null : gDiag.storage(), gA.storage(), gB.storage());
    return new Tensor[] {gA, gB};
  }

  /** The common value of g, or NaN when its entries differ (or one is NaN). */
  private static float uniform(Tensor g) {
    float[] v = g.toFloatArray();
    for (float x : v) if (Float.compare(x, v[0]) != 0) return Float.NaN;
    return v[0];
  }

  /**
   * gA = weight·∂Σ rowLse/∂A plus the diagonal's scale·gDiag_i·B_i on rows i &lt; min(n, m); gB likewise
   * with A_i.
   */
  private Tensor[] fromUnitGradients(float weight, Tensor gDiag) {
    Tensor gA = unitGradA.mul(weight), gB = unitGradB.mul(weight);
    if (gDiag == null) return new Tensor[] {gA, gB};
    int k = gDiag.size(0);
    Tensor w = gDiag.reshape(k, 1).mul(scale);
    return new Tensor[] {gA.add(padRows(b.slice(0, 0, k).mul(w), a.size(0))),
        gB.add(padRows(a.slice(0, 0, k).mul(w), b.size(0)))};
  }

  private static Tensor padRows(Tensor x, int rows) {
    if (x.size(0) == rows) return x;
    return Tensor.concat(java.util.List.of(x, Tensor.zeros(x.device(), rows - x.size(0), x.size(1))), 0);
  }

  @Override
  protected void releaseSaved() {
    a = b = rowLse = colLse = unitGradA = unitGradB = null;
  }

  @Override
  public String toString() {
    return name() + Arrays.toString(a == null ? new int[0] : a.shape());
  }
}
