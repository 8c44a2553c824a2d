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
 *
 * <p>Optionally a {@link Hardness} penalty: selected off-diagonal scores are raised by strength·S_ij/scale
 * (strength times the unscaled similarity) in every sum, as a constant: its value enters the log-sum-exps
 * but no gradient flows through it (a stop-gradient), so the backward keeps the factor scale. The diagonal
 * is never penalised and {@code diag} stays S_ii.
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

    /** Whether element (i, j) is left out. */
    public boolean excludes(int i, int j) {
      int r = j % period;
      return r >= start[i] && r < end[i];
    }
  }

  /**
   * A hardness penalty on the scores (sentence-transformers' {@code hardness_mode}): element (i, j) with
   * j ≠ i is <em>penalised</em> when {@code penalised.excludes(i, j) != complement} (a null {@code penalised}
   * selects nothing, so with {@code complement} every off-diagonal element), and its score becomes
   * S_ij + strength·sg(S_ij/scale), sg a stop-gradient: for A·Bᵀ = s, the logit scale·s_ij + strength·s_ij
   * whose derivative in s_ij is still scale. The predicate is the mask's own range test, so a device kernel
   * applies it element by element as it applies the mask.
   *
   * @param strength α ≥ 0 and finite; 0 changes nothing
   * @param penalised the rows' column ranges (the {@link Mask} form), or null for none
   * @param complement whether the penalised elements are those outside the ranges instead of inside
   */
  public record Hardness(float strength, Mask penalised, boolean complement) {
    public Hardness {
      if (!(strength >= 0) || !Float.isFinite(strength)) {
        throw new IllegalArgumentException("pairwiseLogSumExp: hardness strength must be finite and ≥ 0, got " + strength);
      }
    }

    /** Whether element (i, j) gets the penalty: never the diagonal. */
    public boolean penalises(int i, int j) {
      return i != j && (penalised != null && penalised.excludes(i, j)) != complement;
    }
  }

  /** The outputs; {@code colLse} is null unless the columns were asked for. */
  public record Result(Tensor rowLse, Tensor diag, Tensor colLse) {}

  private Tensor a, b, rowLse, colLse;
  /** Rows only: the gradients of Σ_i rowLse_i, computed with the forward; null otherwise. */
  private Tensor unitGradA, unitGradB;
  private final float scale;
  private final Mask mask;
  /** Null when there is no penalty (none asked for, or strength 0). */
  private final Hardness hardness;
  private final int outputs;

  private PairwiseLogSumExp(Tensor a, Tensor b, float scale, Mask mask, Hardness hardness, Tensor rowLse,
      Tensor colLse) {
    super(a, b);
    this.a = a;
    this.b = b;
    this.scale = scale;
    this.mask = mask;
    this.hardness = hardness;
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
    return apply(a, b, scale, mask, columns, rowGradientInForward, null);
  }

  /**
   * {@link #apply(Tensor, Tensor, float, Mask, boolean, boolean)} with a hardness penalty on the scores.
   *
   * @param hardness null (or strength 0) for none; with a strength above 0 the scale must not be 0, since
   *     the penalty is strength·S_ij/scale
   */
  public static Result apply(Tensor a, Tensor b, float scale, Mask mask, boolean columns,
      boolean rowGradientInForward, Hardness hardness) {
    Checks.sameDevice("pairwiseLogSumExp", a, b);
    int[] as = a.shape(), bs = b.shape();
    if (as.length != 2 || bs.length != 2 || as[1] != bs[1]) {
      throw ShapeException.of("pairwiseLogSumExp", "A and B must be [n, d] and [m, d] with the same d", as, bs);
    }
    int n = as[0], m = bs[0], d = as[1];
    if (n == 0 || m == 0) throw ShapeException.of("pairwiseLogSumExp", "empty A or B", as, bs);
    if (!Float.isFinite(scale)) throw new IllegalArgumentException("pairwiseLogSumExp: scale must be finite, got " + scale);
    if (mask != null) checkMask("mask", mask, n);
    if (hardness != null && hardness.strength() == 0f) hardness = null;
    if (hardness != null) {
      if (scale == 0f) {
        throw new IllegalArgumentException("pairwiseLogSumExp: a hardness penalty (strength " + hardness.strength()
            + ") needs a scale other than 0, since it is strength·S/scale");
      }
      if (hardness.penalised() != null) checkMask("hardness", hardness.penalised(), n);
    }
    Hardness h = hardness;
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
          strength(h), hardStart(h), hardEnd(h), hardPeriod(h), hardComplement(h), row.storage(), diag.storage(),
          gA.storage(), gB.storage());
      var node = new PairwiseLogSumExp(da, db, scale, mask, h, row.detach(), null);
      node.unitGradA = gA;
      node.unitGradB = gB;
      node.attachAll(row, diag);
      return new Result(row, diag, null);
    }
    da.backend().pairwiseLogSumExp(da.storage(), db.storage(), n, m, d, scale, mask == null ? null : mask.start(),
        mask == null ? null : mask.end(), mask == null ? 1 : mask.period(), strength(h), hardStart(h), hardEnd(h),
        hardPeriod(h), hardComplement(h), row.storage(), col == null ? null : col.storage(), diag.storage());
    if (!Node.recording(da, db)) return new Result(row, diag, col);
    var node = new PairwiseLogSumExp(da, db, scale, mask, h, row.detach(), col == null ? null : col.detach());
    if (col == null) node.attachAll(row, diag);
    else node.attachAll(row, diag, col);
    return new Result(row, diag, col);
  }

  /** @param what "mask" or "hardness", for the message */
  private static void checkMask(String what, Mask mask, int n) {
    if (mask.start().length != n || mask.end().length != n) {
      throw new IllegalArgumentException("pairwiseLogSumExp: the " + what + " has " + mask.start().length + " starts and "
          + mask.end().length + " ends for " + n + " rows of A");
    }
    if (mask.period() < 1) {
      throw new IllegalArgumentException("pairwiseLogSumExp: " + what + " period must be ≥ 1, got " + mask.period());
    }
    for (int i = 0; i < n; i++) {
      int s = mask.start()[i], e = mask.end()[i];
      if (s < 0 || s > e || e > mask.period()) {
        throw new IllegalArgumentException("pairwiseLogSumExp: " + what + " range [" + s + ", " + e + ") of row " + i
            + " must satisfy 0 ≤ start ≤ end ≤ period = " + mask.period());
      }
    }
  }

  // The hardness as the backend takes it: strength 0 is none; a null range is no range (period unused).

  private static float strength(Hardness h) {
    return h == null ? 0f : h.strength();
  }

  private static int[] hardStart(Hardness h) {
    return h == null || h.penalised() == null ? null : h.penalised().start();
  }

  private static int[] hardEnd(Hardness h) {
    return h == null || h.penalised() == null ? null : h.penalised().end();
  }

  private static int hardPeriod(Hardness h) {
    return h == null || h.penalised() == null ? Integer.MAX_VALUE : h.penalised().period();
  }

  private static boolean hardComplement(Hardness h) {
    return h != null && h.complement();
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
        strength(hardness), hardStart(hardness), hardEnd(hardness), hardPeriod(hardness), hardComplement(hardness),
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
