package dev.embed4j.cuda;

/**
 * The CUDA backend's pairwise log-sum-exp (see {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp}):
 * S = scale·A·Bᵀ is walked in chunks of rows, each written by a GEMM into one scratch buffer of bounded
 * size and then reduced, or turned into the gradient in place, by the kernels of {@code pairwise.cu}:
 * <ul>
 *   <li>both, per chunk, when a hardness penalty is asked for: {@code e4j_pair_harden} right after the
 *       scores, which multiplies the penalised elements by 1 + α/scale (the gradient products below keep the
 *       factor scale: the penalty is a constant to them);</li>
 *   <li>forward, per chunk: the scores; {@code e4j_pair_row_lse} (rowLse and the diagonal; final at once,
 *       since a chunk holds whole rows); {@code e4j_pair_col_merge} (running column max and sum); at the end
 *       {@code e4j_pair_col_finish};</li>
 *   <li>gradient, per chunk: the scores again; {@code e4j_pair_grad} makes G in place; then gA's rows =
 *       scale·G·B and gB += scale·Gᵀ·A_rows, two more GEMMs. Without the columns and with the forward
 *       folded in (rows only, gRow = 1), that is the whole of a mean-over-rows loss in three products.</li>
 * </ul>
 * The walk is written once against {@link Ops}, the handful of device operations it uses, so that a test
 * runs the same walk on plain Java twins of the kernels without a GPU ({@code PairwiseChunksTest}).
 * Pointers are opaque longs, 0 meaning absent; {@link Ops#at} offsets them by a count of floats.
 */
final class PairwiseChunks {
  private PairwiseChunks() {}

  /** The mask on the device: pointers to n starts and n ends, and the period (see the backend's mask). */
  record Mask(long start, long end, int period) {
    static final Mask NONE = new Mask(0, 0, 1);

    boolean present() {
      return start != 0;
    }
  }

  /**
   * The hardness penalty on the device: multiply the penalised elements by {@code factor} = 1 + α/scale, an
   * element (i, j ≠ i) being penalised when its range test on {@code ranges} (the mask's form; none when not
   * present) differs from {@code complement}. Null for no penalty.
   */
  record Hardness(float factor, Mask ranges, boolean complement) {}

  /** What the walk needs from a device. */
  interface Ops {
    /** {@code pointer} moved on by {@code floats} elements. */
    long at(long pointer, long floats);

    long allocate(long floats);

    void free(long pointer);

    /** The mask's starts and ends in one block (starts at 0, ends at n), or {@link Mask#NONE} without one. */
    Mask uploadMask(int[] start, int[] end, int n, int period);

    void freeMask(Mask mask);

    void fill(long pointer, long count, float value);

    /** Row-major C (m×n, ldc) = alpha·op(A)·op(B) + beta·C. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
        float beta, long c, int ldc);

    /** {@code e4j_pair_harden}. */
    void harden(long s, int rows, int m, int row0, Mask ranges, boolean complement, float factor);

    /** {@code e4j_pair_row_lse}. */
    void rowLse(long s, int rows, int m, int row0, Mask mask, long rowLse, long diag, int diagCount);

    /** {@code e4j_pair_col_merge}. */
    void colMerge(long s, int rows, int m, int row0, Mask mask, long colMax, long colSum, boolean first);

    /** {@code e4j_pair_col_finish}. */
    void colFinish(long colMax, long colSum, long colLse, int m);

    /** {@code e4j_pair_grad}. */
    void grad(long s, int rows, int m, int row0, Mask mask, long rowLse, long gRow, float rowWeight, long colLse,
        long gCol, long gDiag, int diagCount);
  }

  /**
   * One chunk of S: rows r0 .. r0 + rows − 1 of scale·A·Bᵀ into {@code s} (rows × m, row-major), with the
   * hardness penalty when there is one.
   */
  private static void scores(Ops o, long a, long b, int r0, int rows, int m, int d, float scale, Hardness hard, long s) {
    o.gemm(false, true, rows, m, d, scale, o.at(a, (long) r0 * d), d, b, d, 0f, s, m);
    if (hard != null) o.harden(s, rows, m, r0, hard.ranges(), hard.complement(), hard.factor());
  }

  /** The penalty's ranges on the device, or null for none (α = 0: the ranges are then not uploaded). */
  private static Hardness uploadHardness(Ops o, float scale, int n, float hardness, int[] hardStart, int[] hardEnd,
      int hardPeriod, boolean hardComplement) {
    if (hardness == 0f) return null;
    return new Hardness(1f + hardness / scale, o.uploadMask(hardStart, hardEnd, n, hardPeriod), hardComplement);
  }

  private static void freeHardness(Ops o, Hardness hard) {
    if (hard != null) o.freeMask(hard.ranges());
  }

  /**
   * rowLse, diag and (when colLse is not 0) colLse; A is n×d, B m×d, contiguous. Mask and hardness as
   * {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp} has them.
   */
  static void forward(Ops o, long a, long b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      long rowLse, long colLse, long diag, int rowsPerChunk) {
    if (n == 0) return;
    if (m == 0) {
      o.fill(rowLse, n, Float.NEGATIVE_INFINITY);
      return;
    }
    Mask mask = o.uploadMask(maskStart, maskEnd, n, maskPeriod);
    Hardness hard = uploadHardness(o, scale, n, hardness, hardStart, hardEnd, hardPeriod, hardComplement);
    long s = o.allocate((long) rowsPerChunk * m), stats = colLse == 0 ? 0 : o.allocate(2L * m);
    try {
      for (int r0 = 0; r0 < n; r0 += rowsPerChunk) {
        int rows = Math.min(rowsPerChunk, n - r0);
        scores(o, a, b, r0, rows, m, d, scale, hard, s);
        o.rowLse(s, rows, m, r0, mask, rowLse, diag, Math.min(n, m));
        if (stats != 0) o.colMerge(s, rows, m, r0, mask, stats, o.at(stats, m), r0 == 0);
      }
      if (stats != 0) o.colFinish(stats, o.at(stats, m), colLse, m);
    } finally {
      if (stats != 0) o.free(stats);
      o.free(s);
      freeHardness(o, hard);
      o.freeMask(mask);
    }
  }

  /**
   * gA (n×d) and gB (m×d), written, for G_ij = w_i·exp(S_ij − rowLse_i) + gCol_j·exp(S_ij − colLse_j)
   * + [i = j]·gDiag_i (w_i = gRow[i], or rowWeight when gRow is 0; a term with an absent input is left
   * out). With {@code diag} not 0 each chunk first computes its rowLse and diagonal: the rows-only forward.
   */
  static void gradient(Ops o, long a, long b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      long diag, long rowLse, long gRow, float rowWeight, long colLse, long gCol, long gDiag, long gA, long gB,
      int rowsPerChunk) {
    if (m > 0 && d > 0) o.fill(gB, (long) m * d, 0f);
    if (n == 0 || m == 0 || d == 0) {
      if (d > 0) o.fill(gA, (long) n * d, 0f);
      if (diag != 0 && n > 0) {
        forward(o, a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
            hardComplement, rowLse, 0, diag, rowsPerChunk);
      }
      return;
    }
    long pCol = colLse == 0 || gCol == 0 ? 0 : colLse, pgCol = pCol == 0 ? 0 : gCol;
    Mask mask = o.uploadMask(maskStart, maskEnd, n, maskPeriod);
    Hardness hard = uploadHardness(o, scale, n, hardness, hardStart, hardEnd, hardPeriod, hardComplement);
    long s = o.allocate((long) rowsPerChunk * m);
    try {
      for (int r0 = 0; r0 < n; r0 += rowsPerChunk) {
        int rows = Math.min(rowsPerChunk, n - r0);
        scores(o, a, b, r0, rows, m, d, scale, hard, s);
        if (diag != 0) o.rowLse(s, rows, m, r0, mask, rowLse, diag, Math.min(n, m));
        o.grad(s, rows, m, r0, mask, rowLse, gRow, rowWeight, pCol, pgCol, gDiag, Math.min(n, m));
        // gA rows r0.. = scale·G_c·B; gB += scale·G_cᵀ·A_c
        o.gemm(false, false, rows, d, m, scale, s, m, b, d, 0f, o.at(gA, (long) r0 * d), d);
        o.gemm(true, false, m, d, rows, scale, s, m, o.at(a, (long) r0 * d), d, 1f, gB, d);
      }
    } finally {
      o.free(s);
      freeHardness(o, hard);
      o.freeMask(mask);
    }
  }
}
