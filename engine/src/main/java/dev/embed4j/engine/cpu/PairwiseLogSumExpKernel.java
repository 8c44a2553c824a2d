package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;
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
 * <p>Backward and the forward with gradients: a sweep over blocks of rows that span all m columns
 * ({@link #rowBlock} rows, at most 384, so that a block's scores fit in 16 MiB). Per block: S = scale·A·Bᵀ
 * through the engine's GEMM, the mask, G = gRow·exp(S − rowLse) + gCol·exp(S − colLse) (+ gDiag on the
 * diagonal) in place, then gA_rows = G·B and gB += Gᵀ·A_rows, two more GEMM calls. A thread owns its rows
 * of gA; each thread but the first adds into its own copy of gB (capped at 256 MiB in all), summed at
 * the end. {@link #forwardWithRowGradient} runs the same sweep with gRow = 1 and takes rowLse from the
 * block as it goes, since a block holds whole rows: the forward and the gradient of a loss that is a
 * mean over rows cost three products, which is also what the materialised loss costs.
 *
 * <p>Cost: forward n·m·d FMAs + ~2·n·m exp; backward 3·n·m·d FMAs (recompute + two products) + 1-2 exp
 * per element; rows only with a graph, 3·n·m·d FMAs in all. Extra memory: a block of scores per thread,
 * the gB copies and the column statistics; never n×m. Measured: see ContrastiveLossBenchmark in the
 * bench module.
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
        exclude(tile, NC, i0, mb, j0, nc, ncp, maskStart, maskEnd, maskPeriod);
        updateRows(tile, mb, ncp, rowMax, rowSum, i0 - r0);
        if (colMax != null) updateColumns(tile, mb, ncp, colMax, colSum, j0);
      }
    }
    for (int i = 0; i < r1 - r0; i++) rowLse[r0 + i] = rowMax[i] + (float) Math.log(rowSum[i]);
  }

  /**
   * The gradients (see {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExpBackward}) by one sweep over
   * blocks of rows: recompute the block's scores, turn them into G in place, then two GEMM calls.
   */
  public static void backward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] colLse, float[] gRow, float[] gCol, float[] gDiag, float[] gA,
      float[] gB) {
    sweep(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, rowLse, colLse, gRow, gCol, gDiag, false, null, gA, gB);
  }

  /**
   * The forward without the columns, together with the gradients of Σ_i rowLse_i (an upstream gradient of 1 on
   * every row, none on the diagonal): each block of rows spans all m columns, so its log-sum-exp is final as
   * soon as its scores are, and the same scores give the gradient. Three products in all, against four for a
   * forward and a backward that recomputes; a loss whose row weights are all equal scales these.
   */
  public static void forwardWithRowGradient(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float[] rowLse, float[] diag, float[] gA, float[] gB) {
    sweep(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, rowLse, null, null, null, null, true, diag, gA, gB);
  }

  /**
   * Rows of A per block of a sweep: the block's scores (rows × m floats) are held at once, at most 4 Mi floats;
   * 384 rows (KC of the GEMM) amortise the packing of B and the passes over the gB accumulator well.
   */
  static int rowBlock(int m) {
    return Math.max(MR, Math.min(384, blockFloats / Math.max(1, m) / MR * MR));
  }

  /** The most scores a sweep holds per thread; tests lower it to run many blocks on small inputs. */
  static volatile int blockFloats = 4 << 20;

  /**
   * Threads take contiguous rows; per block of rows: S = scale·A_rows·Bᵀ (GEMM), the mask, in a forward the
   * row log-sum-exp and the diagonal, then G in place and gA_rows = G·B, gB += Gᵀ·A_rows (two GEMM calls,
   * scale folded into G). Each thread but the first adds into its own copy of gB, summed at the end; the
   * number of threads is capped so those copies stay within 256 MiB.
   */
  private static void sweep(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] colLse, float[] gRow, float[] gCol, float[] gDiag, boolean forward,
      float[] diag, float[] gA, float[] gB) {
    Arrays.fill(gA, 0, n * d, 0f);
    Arrays.fill(gB, 0, m * d, 0f);
    if (n == 0 || m == 0) {
      if (forward) Arrays.fill(rowLse, 0, n, NEG_INF);
      return;
    }
    int rb = rowBlock(m);
    long copies = (64L << 20) / Math.max(1L, (long) m * d);
    int chunks = (int) Math.max(1, Math.min(Math.min(Parallel.threads(), ceilDiv(n, 32)), 1 + copies));
    // Column terms: scale·gCol, and colLse with −∞ (a column with no kept element) turned into +∞, so that
    // exp(S − colLse) is 0 there instead of NaN.
    float[] gColScaled = null, colShift = null;
    if (gCol != null) {
      gColScaled = new float[m];
      colShift = new float[m];
      for (int j = 0; j < m; j++) {
        gColScaled[j] = gCol[j] * scale;
        colShift[j] = colLse[j] == NEG_INF ? Float.POSITIVE_INFINITY : colLse[j];
      }
    }
    float[] gc = gColScaled, cs = colShift;
    float[][] gBs = new float[chunks][];
    GemmKernel gemm = GemmKernels.active();
    Parallel.forRange(chunks, 1, (lo, hi) -> {
      for (int c = lo; c < hi; c++) {
        int r0 = (int) ((long) n * c / chunks), r1 = (int) ((long) n * (c + 1) / chunks);
        float[] gb = c == 0 ? gB : (gBs[c] = new float[m * d]);
        float[] s = new float[Math.min(rb, r1 - r0) * m];
        for (int i0 = r0; i0 < r1; i0 += rb) {
          int mb = Math.min(rb, r1 - i0);
          gemm.gemm(false, true, mb, m, d, scale, a, i0 * d, d, b, 0, d, 0f, s, 0, m);
          if (forward) {
            for (int i = i0; i < Math.min(i0 + mb, m); i++) diag[i] = s[(i - i0) * m + i];
          }
          exclude(s, m, i0, mb, 0, m, m, maskStart, maskEnd, maskPeriod);
          if (forward) rowLogSumExp(s, m, mb, rowLse, i0);
          gradientTile(s, m, i0, mb, 0, m, scale, rowLse, gRow, forward, cs, gc);
          if (gDiag != null) {
            for (int i = i0; i < Math.min(i0 + mb, m); i++) s[(i - i0) * m + i] += scale * gDiag[i];
          }
          gemm.gemm(false, false, mb, d, m, 1f, s, 0, m, b, 0, d, 0f, gA, i0 * d, d);
          gemm.gemm(true, false, m, d, mb, 1f, s, 0, m, a, i0 * d, d, 1f, gb, 0, d);
        }
      }
    });
    for (int c = 1; c < chunks; c++) {
      float[] part = gBs[c];
      Parallel.forRange(m * d, 1 << 14, (lo, hi) -> {
        int i = lo;
        for (int up = lo + SP.loopBound(hi - lo); i < up; i += VL) {
          FloatVector.fromArray(SP, gB, i).add(FloatVector.fromArray(SP, part, i)).intoArray(gB, i);
        }
        for (; i < hi; i++) gB[i] += part[i];
      });
    }
  }

  /** rowLse[i0 + r] = log Σ_c exp s[r·ld + c] over the mb rows of a block spanning all ld columns. */
  private static void rowLogSumExp(float[] s, int ld, int mb, float[] rowLse, int i0) {
    int up = SP.loopBound(ld);
    for (int r = 0; r < mb; r++) {
      int t = r * ld, c = 0;
      FloatVector mx = FloatVector.broadcast(SP, NEG_INF);
      for (; c < up; c += VL) mx = mx.max(FloatVector.fromArray(SP, s, t + c));
      float max = mx.reduceLanes(VectorOperators.MAX);
      for (; c < ld; c++) max = Math.max(max, s[t + c]);
      if (max == NEG_INF) {
        rowLse[i0 + r] = NEG_INF;
        continue;
      }
      FloatVector shift = FloatVector.broadcast(SP, max), acc = FloatVector.zero(SP);
      for (c = 0; c < up; c += VL) acc = acc.add(VectorMath.exp(FloatVector.fromArray(SP, s, t + c).sub(shift)));
      float sum = VectorMath.sum(acc);
      for (; c < ld; c++) sum += VectorMath.exp(s[t + c] - max);
      rowLse[i0 + r] = max + (float) Math.log(sum);
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

  /** Sets the padding columns [nc, ncp) and the masked elements of the tile (row r at r·ld) to −∞. */
  private static void exclude(float[] tile, int ld, int i0, int mb, int j0, int nc, int ncp, int[] maskStart,
      int[] maskEnd, int maskPeriod) {
    for (int r = 0; r < mb; r++) {
      int t = r * ld;
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

  /**
   * Replaces the scores of the tile (row r at r·ld, columns j0 … j0 + nc) by scale·G without the diagonal
   * term; {@code unitRows} takes an upstream gradient of 1 on every row instead of gRow.
   */
  private static void gradientTile(float[] tile, int ld, int i0, int mb, int j0, int nc, float scale, float[] rowLse,
      float[] gRow, boolean unitRows, float[] colShift, float[] gColScaled) {
    int up = SP.loopBound(nc);
    for (int r = 0; r < mb; r++) {
      int t = r * ld, i = i0 + r;
      float gr = unitRows ? scale : gRow == null ? 0f : gRow[i] * scale, lr = rowLse[i];
      boolean rowTerm = gr != 0f && lr != NEG_INF;
      FloatVector grv = FloatVector.broadcast(SP, gr), lrv = FloatVector.broadcast(SP, lr);
      int c = 0;
      for (; c < up; c += VL) {
        FloatVector sv = FloatVector.fromArray(SP, tile, t + c), g = FloatVector.zero(SP);
        if (rowTerm) g = VectorMath.exp(sv.sub(lrv)).mul(grv);
        if (gColScaled != null) {
          FloatVector q = VectorMath.exp(sv.sub(FloatVector.fromArray(SP, colShift, j0 + c)));
          g = q.fma(FloatVector.fromArray(SP, gColScaled, j0 + c), g);
        }
        g.intoArray(tile, t + c);
      }
      for (; c < nc; c++) {
        float sv = tile[t + c], g = 0f;
        if (rowTerm) g = VectorMath.exp(sv - lr) * gr;
        if (gColScaled != null) g = Math.fma(VectorMath.exp(sv - colShift[j0 + c]), gColScaled[j0 + c], g);
        tile[t + c] = g;
      }
    }
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  private static int roundUp(int x, int y) {
    return ceilDiv(x, y) * y;
  }
}
