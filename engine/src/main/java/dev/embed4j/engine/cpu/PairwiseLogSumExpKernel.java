package dev.embed4j.engine.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row and column log-sum-exp of S = scale·A·Bᵀ in one pass over tiles, and its backward, without ever
 * holding S (semantics in {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp}).
 *
 * <p>Layout and tiling. A (n×d) and B (m×d) are row-major. B is taken {@link #NC} columns at a time and
 * packed into panels of {@link #NR} = 2 vectors of columns, k-major ({@code panel[k·NR + c]}), so the
 * micro-kernel reads one contiguous line of B per k. A tile of {@link #MB} rows × NC columns of S
 * (16 KiB) is computed by a 4×NR register-blocked micro-kernel (8 accumulators, 4 broadcasts of A and 2
 * loads of B per k: 11 of AVX2's 16 registers) and lands in a scratch array that stays in L1; a packed
 * block (NC·d floats, 384 KiB at d = 768) stays in L2.
 *
 * <p>Online log-sum-exp. Each row keeps a running (max, sum) updated once per tile (one reduction per
 * 128 columns); each column keeps a running (max, sum) as vectors, updated once per tile of 32 rows. A
 * thread owns a contiguous range of rows, so row statistics need no synchronisation; column statistics
 * are per thread and merged at the end (log-sum-exp of the partial results). About 2 exponentials per
 * element (1 without the columns), against d fused multiply-adds.
 *
 * <p>Backward recomputes each tile, turns it into G = gRow·exp(S − rowLse) + gCol·exp(S − colLse)
 * (+ gDiag on the diagonal) in place, and accumulates gA += scale·G·B_block and
 * gB_block += scale·Gᵀ·A_rows, each with a 4-row × 2-vector register-blocked kernel (8 independent
 * accumulators; a first version that updated gA and gB in one sweep had a 4-deep FMA chain per column
 * and ran at a quarter of the forward's rate). Races on gB are avoided by schedule, not by copies: in step s,
 * thread t handles column block (s + t) mod blocks, so no two threads touch the same rows of gB at once,
 * and each step is a fork-join. Extra memory: one packed block and one tile per thread, and the column
 * statistics (2·m floats per thread); never n×m.
 *
 * <p>Cost: forward n·m·d FMAs + ~2·n·m exp; backward 3·n·m·d FMAs (recompute + two products) + 1-2 exp
 * per element. Measured: see ContrastiveLossBenchmark in the bench module.
 */
public final class PairwiseLogSumExpKernel {
  private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
  private static final int VL = SP.length();
  /** Rows of the micro-kernel. */
  static final int MR = 4;
  /** Columns of the micro-kernel and of a packed panel: two vectors. */
  static final int NR = 2 * VL;
  /** Rows of a tile of S. */
  static final int MB = 32;
  /** Columns of a tile of S and of a packed block of B; a multiple of NR for every vector length. */
  static final int NC = 128;
  private static final float NEG_INF = Float.NEGATIVE_INFINITY;

  private PairwiseLogSumExpKernel() {}

  public static void forward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] colLse, float[] diag) {
    if (n == 0 || m == 0) {
      Arrays.fill(rowLse, 0, n, NEG_INF);
      if (colLse != null) Arrays.fill(colLse, 0, m, NEG_INF);
      return;
    }
    boolean columns = colLse != null;
    int chunks = Math.max(1, Math.min(Parallel.threads(), ceilDiv(n, MB)));
    int mPad = roundUp(m, NC);
    float[][] colMax = new float[chunks][], colSum = new float[chunks][];
    Parallel.forRange(chunks, 1, (lo, hi) -> {
      for (int c = lo; c < hi; c++) {
        int r0 = (int) ((long) n * c / chunks), r1 = (int) ((long) n * (c + 1) / chunks);
        if (columns) {
          colMax[c] = new float[mPad];
          Arrays.fill(colMax[c], NEG_INF);
          colSum[c] = new float[mPad];
        }
        forwardRows(a, b, m, d, scale, maskStart, maskEnd, maskPeriod, r0, r1, rowLse, colMax[c], colSum[c], diag);
      }
    });
    if (!columns) return;
    for (int j = 0; j < m; j++) {
      float max = NEG_INF;
      for (int c = 0; c < chunks; c++) max = Math.max(max, colMax[c][j]);
      if (max == NEG_INF) {
        colLse[j] = NEG_INF;
        continue;
      }
      double sum = 0;
      for (int c = 0; c < chunks; c++) sum += colSum[c][j] * Math.exp(colMax[c][j] - max);
      colLse[j] = (float) (max + Math.log(sum));
    }
  }

  private static void forwardRows(float[] a, float[] b, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, int r0, int r1, float[] rowLse, float[] colMax, float[] colSum, float[] diag) {
    float[] tile = new float[MB * NC], packed = new float[NC * d];
    float[] rowMax = new float[r1 - r0], rowSum = new float[r1 - r0];
    Arrays.fill(rowMax, NEG_INF);
    for (int j0 = 0; j0 < m; j0 += NC) {
      int nc = Math.min(NC, m - j0), ncp = roundUp(nc, NR);
      pack(b, m, d, j0, ncp, packed);
      for (int i0 = r0; i0 < r1; i0 += MB) {
        int mb = Math.min(MB, r1 - i0);
        scoreTile(a, d, scale, i0, mb, packed, ncp, tile);
        for (int i = Math.max(i0, j0); i < Math.min(i0 + mb, j0 + nc); i++) diag[i] = tile[(i - i0) * NC + i - j0];
        exclude(tile, i0, mb, j0, nc, ncp, maskStart, maskEnd, maskPeriod);
        updateRows(tile, mb, ncp, rowMax, rowSum, i0 - r0);
        if (colMax != null) updateColumns(tile, mb, ncp, colMax, colSum, j0);
      }
    }
    for (int i = 0; i < r1 - r0; i++) rowLse[r0 + i] = rowMax[i] + (float) Math.log(rowSum[i]);
  }

  public static void backward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] colLse, float[] gRow, float[] gCol, float[] gDiag, float[] gA,
      float[] gB) {
    Arrays.fill(gA, 0, n * d, 0f);
    Arrays.fill(gB, 0, m * d, 0f);
    if (n == 0 || m == 0) return;
    int threads = Math.max(1, Math.min(Parallel.threads(), ceilDiv(n, MB)));
    int width = Math.min(NC, roundUp(ceilDiv(m, threads), NR));
    int blocks = ceilDiv(m, width);
    int chunks = Math.min(threads, blocks);
    // Column terms, padded to whole panels: scale·gCol (0 beyond m) and colLse with −∞ (a column with no
    // kept element) turned into +∞, so that exp(S − colLse) is 0 there instead of NaN.
    float[] gColScaled = null, colShift = null;
    if (gCol != null) {
      int mPad = blocks * width + NC;
      gColScaled = new float[mPad];
      colShift = new float[mPad];
      Arrays.fill(colShift, Float.POSITIVE_INFINITY);
      for (int j = 0; j < m; j++) {
        gColScaled[j] = gCol[j] * scale;
        colShift[j] = colLse[j] == NEG_INF ? Float.POSITIVE_INFINITY : colLse[j];
      }
    }
    float[][] tiles = new float[chunks][MB * NC], packs = new float[chunks][NC * d];
    float[][] rowPacksB = new float[chunks][NC * d], rowPacksA = new float[chunks][MB * d];
    float[] gc = gColScaled, cs = colShift;
    for (int step = 0; step < blocks; step++) {
      int s = step;
      Parallel.forRange(chunks, 1, (lo, hi) -> {
        for (int c = lo; c < hi; c++) {
          int r0 = (int) ((long) n * c / chunks), r1 = (int) ((long) n * (c + 1) / chunks);
          int j0 = (s + c) % blocks * width;
          backwardBlock(a, b, m, d, scale, maskStart, maskEnd, maskPeriod, rowLse, gRow, cs, gc, gDiag, gA, gB,
              r0, r1, j0, Math.min(width, m - j0), tiles[c], packs[c], rowPacksB[c], rowPacksA[c]);
        }
      });
    }
  }

  private static void backwardBlock(float[] a, float[] b, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] gRow, float[] colShift, float[] gColScaled, float[] gDiag, float[] gA,
      float[] gB, int r0, int r1, int j0, int nc, float[] tile, float[] packed, float[] rowPackB, float[] rowPackA) {
    int ncp = roundUp(nc, NR);
    pack(b, m, d, j0, ncp, packed);
    packRows(b, j0 * d, nc, d, rowPackB);
    for (int i0 = r0; i0 < r1; i0 += MB) {
      int mb = Math.min(MB, r1 - i0);
      scoreTile(a, d, scale, i0, mb, packed, ncp, tile);
      exclude(tile, i0, mb, j0, nc, ncp, maskStart, maskEnd, maskPeriod);
      gradientTile(tile, i0, mb, j0, ncp, scale, rowLse, gRow, colShift, gColScaled);
      if (gDiag != null) {
        for (int i = Math.max(i0, j0); i < Math.min(i0 + mb, j0 + nc); i++) {
          tile[(i - i0) * NC + i - j0] += scale * gDiag[i];
        }
      }
      packRows(a, i0 * d, mb, d, rowPackA);
      // Coefficients along a tile row for gA, down a tile column for gB.
      product(tile, NC, 1, mb, nc, b, j0 * d, rowPackB, d, gA, i0 * d);
      product(tile, 1, NC, nc, mb, a, i0 * d, rowPackA, d, gB, j0 * d);
    }
  }

  /** packed[p·d·NR + k·NR + c] = B[j0 + p·NR + c, k], zero beyond row m of B. */
  static void pack(float[] b, int m, int d, int j0, int ncp, float[] packed) {
    for (int c = 0; c < ncp; c++) {
      int base = c / NR * d * NR + c % NR, j = j0 + c;
      if (j < m) {
        for (int k = 0, src = j * d; k < d; k++) packed[base + k * NR] = b[src + k];
      } else {
        for (int k = 0; k < d; k++) packed[base + k * NR] = 0f;
      }
    }
  }

  /** tile[r·NC + c] = scale·A[i0 + r]·B[j0 + c] for r &lt; mb, c &lt; ncp. */
  private static void scoreTile(float[] a, int d, float scale, int i0, int mb, float[] packed, int ncp, float[] tile) {
    int panels = ncp / NR;
    for (int p = 0; p < panels; p++) {
      int r = 0;
      for (; r + MR <= mb; r += MR) micro4(a, (i0 + r) * d, d, packed, p * d * NR, scale, tile, r * NC + p * NR);
      for (; r < mb; r++) micro1(a, (i0 + r) * d, d, packed, p * d * NR, scale, tile, r * NC + p * NR);
    }
  }

  private static void micro4(float[] a, int aOff, int d, float[] packed, int bOff, float scale, float[] tile, int t) {
    FloatVector c00 = FloatVector.zero(SP), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    int a0 = aOff, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
    for (int k = 0, bp = bOff; k < d; k++, bp += NR) {
      FloatVector b0 = FloatVector.fromArray(SP, packed, bp), b1 = FloatVector.fromArray(SP, packed, bp + VL);
      FloatVector x = FloatVector.broadcast(SP, a[a0 + k]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(SP, a[a1 + k]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(SP, a[a2 + k]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(SP, a[a3 + k]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
    }
    c00.mul(scale).intoArray(tile, t);
    c01.mul(scale).intoArray(tile, t + VL);
    c10.mul(scale).intoArray(tile, t + NC);
    c11.mul(scale).intoArray(tile, t + NC + VL);
    c20.mul(scale).intoArray(tile, t + 2 * NC);
    c21.mul(scale).intoArray(tile, t + 2 * NC + VL);
    c30.mul(scale).intoArray(tile, t + 3 * NC);
    c31.mul(scale).intoArray(tile, t + 3 * NC + VL);
  }

  private static void micro1(float[] a, int aOff, int d, float[] packed, int bOff, float scale, float[] tile, int t) {
    FloatVector c0 = FloatVector.zero(SP), c1 = c0;
    for (int k = 0, bp = bOff; k < d; k++, bp += NR) {
      FloatVector x = FloatVector.broadcast(SP, a[aOff + k]);
      c0 = x.fma(FloatVector.fromArray(SP, packed, bp), c0);
      c1 = x.fma(FloatVector.fromArray(SP, packed, bp + VL), c1);
    }
    c0.mul(scale).intoArray(tile, t);
    c1.mul(scale).intoArray(tile, t + VL);
  }

  /** Sets the padding columns [nc, ncp) and the masked elements of the tile to −∞. */
  private static void exclude(float[] tile, int i0, int mb, int j0, int nc, int ncp, int[] maskStart, int[] maskEnd,
      int maskPeriod) {
    for (int r = 0; r < mb; r++) {
      int t = r * NC;
      for (int c = nc; c < ncp; c++) tile[t + c] = NEG_INF;
      if (maskStart == null) continue;
      int s = maskStart[i0 + r], e = maskEnd[i0 + r];
      if (s >= e) continue;
      for (long base = (long) (j0 / maskPeriod) * maskPeriod; base < j0 + nc; base += maskPeriod) {
        long lo = Math.max(j0, base + s), hi = Math.min(j0 + nc, base + e);
        for (long j = lo; j < hi; j++) tile[t + (int) (j - j0)] = NEG_INF;
      }
    }
  }

  private static void updateRows(float[] tile, int mb, int ncp, float[] rowMax, float[] rowSum, int off) {
    for (int r = 0; r < mb; r++) {
      int t = r * NC;
      FloatVector mx = FloatVector.fromArray(SP, tile, t);
      for (int c = VL; c < ncp; c += VL) mx = mx.max(FloatVector.fromArray(SP, tile, t + c));
      float old = rowMax[off + r], max = Math.max(old, mx.reduceLanes(VectorOperators.MAX));
      if (max == NEG_INF) continue;
      FloatVector shift = FloatVector.broadcast(SP, max), acc = FloatVector.zero(SP);
      for (int c = 0; c < ncp; c += VL) {
        acc = acc.add(VectorMath.exp(FloatVector.fromArray(SP, tile, t + c).sub(shift)));
      }
      rowSum[off + r] = rowSum[off + r] * (float) Math.exp(old - max) + VectorMath.sum(acc);
      rowMax[off + r] = max;
    }
  }

  private static void updateColumns(float[] tile, int mb, int ncp, float[] colMax, float[] colSum, int j0) {
    for (int c = 0; c < ncp; c += VL) {
      FloatVector mx = FloatVector.fromArray(SP, tile, c);
      for (int r = 1; r < mb; r++) mx = mx.max(FloatVector.fromArray(SP, tile, r * NC + c));
      FloatVector old = FloatVector.fromArray(SP, colMax, j0 + c), max = old.max(mx);
      // A column with nothing kept yet keeps max −∞; shifting by 0 there avoids exp(−∞ − (−∞)) = NaN.
      FloatVector shift = max.blend(0f, max.eq(NEG_INF));
      FloatVector acc = FloatVector.fromArray(SP, colSum, j0 + c).mul(VectorMath.exp(old.sub(shift)));
      for (int r = 0; r < mb; r++) {
        acc = acc.add(VectorMath.exp(FloatVector.fromArray(SP, tile, r * NC + c).sub(shift)));
      }
      acc.intoArray(colSum, j0 + c);
      max.intoArray(colMax, j0 + c);
    }
  }

  /** Replaces the scores of the tile by scale·G (without the diagonal term). */
  private static void gradientTile(float[] tile, int i0, int mb, int j0, int ncp, float scale, float[] rowLse,
      float[] gRow, float[] colShift, float[] gColScaled) {
    for (int r = 0; r < mb; r++) {
      int t = r * NC, i = i0 + r;
      float gr = gRow == null ? 0f : gRow[i] * scale, lr = rowLse[i];
      boolean rowTerm = gr != 0f && lr != NEG_INF;
      FloatVector grv = FloatVector.broadcast(SP, gr), lrv = FloatVector.broadcast(SP, lr);
      for (int c = 0; c < ncp; c += VL) {
        FloatVector s = FloatVector.fromArray(SP, tile, t + c), g = FloatVector.zero(SP);
        if (rowTerm) g = VectorMath.exp(s.sub(lrv)).mul(grv);
        if (gColScaled != null) {
          FloatVector q = VectorMath.exp(s.sub(FloatVector.fromArray(SP, colShift, j0 + c)));
          g = q.fma(FloatVector.fromArray(SP, gColScaled, j0 + c), g);
        }
        g.intoArray(tile, t + c);
      }
    }
  }

  /**
   * Rows x[xOff + p·d, …] for p &lt; rows, regrouped k-panel by k-panel:
   * out[(k / NR)·rows·NR + p·NR + c] = x[xOff + p·d + k + c] for k + c below the last whole panel. The
   * products below then stream contiguous memory; reading the rows in place strides by d per row and
   * (at d = 384) maps 128 rows onto 8 L1 sets, which made the first version four times slower.
   */
  static void packRows(float[] x, int xOff, int rows, int d, float[] out) {
    int dv = d / NR * NR;
    for (int p = 0; p < rows; p++) {
      int src = xOff + p * d;
      for (int k = 0; k < dv; k += NR) System.arraycopy(x, src + k, out, k * rows + p * NR, NR);
    }
  }

  /**
   * out[q] += Σ_{p &lt; len} tile[q·qs + p·ps]·x[p] for q &lt; rows, where x[p] (row p at xOff in x, and
   * k-panelled in xp) and out[q] are rows of d floats. Register-blocked as 4 output rows × 2 vectors:
   * 8 independent accumulators, 4 broadcasts and 2 contiguous loads per step of p.
   */
  private static void product(float[] tile, int qs, int ps, int rows, int len, float[] x, int xOff, float[] xp, int d,
      float[] out, int oOff) {
    int dv = d / NR * NR;
    int q = 0;
    for (; q + MR <= rows; q += MR) {
      for (int k = 0; k < dv; k += NR) product4(tile, q * qs, qs, ps, len, xp, k * len, out, oOff + q * d + k, d);
    }
    for (; q < rows; q++) {
      for (int k = 0; k < dv; k += NR) product1(tile, q * qs, ps, len, xp, k * len, out, oOff + q * d + k);
    }
    for (q = 0; q < rows && dv < d; q++) {
      for (int k = dv; k < d; k++) {
        float sum = 0f;
        for (int p = 0; p < len; p++) sum += tile[q * qs + p * ps] * x[xOff + p * d + k];
        out[oOff + q * d + k] += sum;
      }
    }
  }

  private static void product4(float[] tile, int base, int qs, int ps, int len, float[] xp, int xpOff, float[] out,
      int oOff, int d) {
    FloatVector c00 = FloatVector.zero(SP), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int p = 0, g = base, xo = xpOff; p < len; p++, g += ps, xo += NR) {
      FloatVector x0 = FloatVector.fromArray(SP, xp, xo), x1 = FloatVector.fromArray(SP, xp, xo + VL);
      FloatVector w = FloatVector.broadcast(SP, tile[g]);
      c00 = w.fma(x0, c00);
      c01 = w.fma(x1, c01);
      w = FloatVector.broadcast(SP, tile[g + qs]);
      c10 = w.fma(x0, c10);
      c11 = w.fma(x1, c11);
      w = FloatVector.broadcast(SP, tile[g + 2 * qs]);
      c20 = w.fma(x0, c20);
      c21 = w.fma(x1, c21);
      w = FloatVector.broadcast(SP, tile[g + 3 * qs]);
      c30 = w.fma(x0, c30);
      c31 = w.fma(x1, c31);
    }
    addInto(out, oOff, c00, c01);
    addInto(out, oOff + d, c10, c11);
    addInto(out, oOff + 2 * d, c20, c21);
    addInto(out, oOff + 3 * d, c30, c31);
  }

  private static void product1(float[] tile, int base, int ps, int len, float[] xp, int xpOff, float[] out, int oOff) {
    FloatVector c0 = FloatVector.zero(SP), c1 = c0;
    for (int p = 0, g = base, xo = xpOff; p < len; p++, g += ps, xo += NR) {
      FloatVector w = FloatVector.broadcast(SP, tile[g]);
      c0 = w.fma(FloatVector.fromArray(SP, xp, xo), c0);
      c1 = w.fma(FloatVector.fromArray(SP, xp, xo + VL), c1);
    }
    addInto(out, oOff, c0, c1);
  }

  private static void addInto(float[] out, int off, FloatVector v0, FloatVector v1) {
    FloatVector.fromArray(SP, out, off).add(v0).intoArray(out, off);
    FloatVector.fromArray(SP, out, off + VL).add(v1).intoArray(out, off + VL);
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  private static int roundUp(int x, int y) {
    return ceilDiv(x, y) * y;
  }
}
