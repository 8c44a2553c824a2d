package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row and column log-sum-exp of S = scale·A·Bᵀ, and its backward, without ever holding S (semantics in
 * {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp}).
 *
 * <p>Every pass is a sweep over blocks of rows that span all m columns ({@link #rowBlock} rows, at most
 * {@value #MAX_ROW_BLOCK}, so that a block's scores fit in 16 MiB). Threads take contiguous rows. Per
 * block, S = scale·A_rows·Bᵀ comes from the engine's GEMM (the packed, register-tiled one), then a hardness
 * penalty, if any, multiplies the penalised elements by 1 + α/scale (plain loops over each row's column
 * ranges, the diagonal put back), the mask sets excluded elements to −∞, and vector passes over the block do
 * the rest:
 * <ul>
 *   <li>forward: the row log-sum-exp is final at once (the block holds whole rows); the columns keep a
 *       running (max, sum) per thread, rescaled once per block, merged across threads at the end;
 *   <li>backward: G = gRow·exp(S − rowLse) + gCol·exp(S − colLse) (+ gDiag on the diagonal) in place, then
 *       gA_rows = G·B and gB += Gᵀ·A_rows, two more GEMM calls with the scale folded into G;
 *   <li>{@link #forwardWithRowGradient}: the forward without the columns and the backward for gRow = 1 in
 *       one sweep, since a block's rowLse is final before its gradient is needed: a loss that is a mean
 *       over rows then costs three products in all, as the materialised loss does, instead of four.
 * </ul>
 * A thread owns its rows of gA; each thread but the first adds into its own copy of gB (within a quarter of
 * the heap, which caps the thread count), summed at the end. The products go through the GEMM rather than
 * tile micro-kernels of their own (see bench/RESULTS.md, "Kernel history moved from the Javadoc").
 *
 * <p>Cost: forward n·m·d FMAs and 1–2 exp per element; backward 3·n·m·d FMAs (recompute + two products)
 * and 1–2 exp per element; a hardness penalty adds a multiply per penalised element, in each pass. Extra
 * memory: a block of scores per thread, the gB copies and the column statistics (2·m floats per thread);
 * never n×m. Measured: see ContrastiveLossBenchmark in the bench module.
 */
public final class PairwiseLogSumExpKernel {
  private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
  private static final int VL = SP.length();
  /** The most rows in a block: 1024 measured a little faster than 384 (fewer repacks of B), 128 slower. */
  static final int MAX_ROW_BLOCK = 1024;
  private static final float NEG_INF = Float.NEGATIVE_INFINITY;

  /** The most scores a sweep holds per thread; tests lower it to run many blocks on small inputs. */
  static volatile int blockFloats = 4 << 20;

  private PairwiseLogSumExpKernel() {}

  /** Rows per block: at most {@link #blockFloats} scores, at most {@link #MAX_ROW_BLOCK} rows, at least 4. */
  static int rowBlock(int m) {
    return Math.max(4, Math.min(MAX_ROW_BLOCK, blockFloats / Math.max(1, m) / 4 * 4));
  }

  /**
   * Fewer threads when their scratch would not fit: each holds a block of scores (rb·m floats) and all but
   * the first a copy of gB ({@code copy} floats), together at most a quarter of the heap and 1.5 GiB. B =
   * 16384 at d = 384 in a 512 MB heap thus runs on at most 3 threads, whatever the core count.
   */
  private static int fit(int chunks, int rb, int m, long copy) {
    return fit(chunks, rb, m, copy, Math.min(Runtime.getRuntime().maxMemory() / 16, 384L << 20));
  }

  /** {@link #fit(int, int, int, long)} for a budget in floats. */
  static int fit(int chunks, int rb, int m, long copy, long budget) {
    while (chunks > 1 && chunks * (long) rb * m + (chunks - 1) * copy > budget) chunks--;
    return chunks;
  }

  /** Threads for n rows: at least 32 rows each. */
  private static int chunks(int n) {
    return Math.max(1, Math.min(Parallel.threads(), ceilDiv(n, 32)));
  }

  public static void forward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      float[] rowLse, float[] colLse, float[] diag) {
    if (n == 0 || m == 0) {
      Arrays.fill(rowLse, 0, n, NEG_INF);
      if (colLse != null) Arrays.fill(colLse, 0, m, NEG_INF);
      return;
    }
    boolean columns = colLse != null;
    int rb = rowBlock(m), chunks = fit(chunks(n), rb, m, 0);
    float[][] colMax = new float[chunks][], colSum = new float[chunks][];
    GemmKernel gemm = GemmKernels.active();
    Parallel.forRange(chunks, 1, (lo, hi) -> {
      for (int c = lo; c < hi; c++) {
        int r0 = (int) ((long) n * c / chunks), r1 = (int) ((long) n * (c + 1) / chunks);
        float[] shift = null;
        if (columns) {
          colMax[c] = new float[m];
          Arrays.fill(colMax[c], NEG_INF);
          colSum[c] = new float[m];
          shift = new float[m];
        }
        float[] s = new float[Math.min(rb, r1 - r0) * m];
        for (int i0 = r0; i0 < r1; i0 += rb) {
          int mb = Math.min(rb, r1 - i0);
          gemm.gemm(false, true, mb, m, d, scale, a, i0 * d, d, b, 0, d, 0f, s, 0, m);
          for (int i = i0; i < Math.min(i0 + mb, m); i++) diag[i] = s[(i - i0) * m + i];
          if (hardness != 0f) {
            harden(s, m, i0, mb, m, 1f + hardness / scale, hardStart, hardEnd, hardPeriod, hardComplement);
          }
          exclude(s, m, i0, mb, m, maskStart, maskEnd, maskPeriod);
          rowLogSumExp(s, m, mb, rowLse, i0);
          if (columns) updateColumns(s, m, mb, colMax[c], colSum[c], shift);
        }
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

  /**
   * The gradients (see {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExpBackward}) by one sweep over
   * blocks of rows: recompute the block's scores, turn them into G in place, then two GEMM calls.
   */
  public static void backward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      float[] rowLse, float[] colLse, float[] gRow, float[] gCol, float[] gDiag, float[] gA, float[] gB) {
    sweep(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
        hardComplement, rowLse, colLse, gRow, gCol, gDiag, false, null, gA, gB);
  }

  /**
   * The forward without the columns, together with the gradients of Σ_i rowLse_i (an upstream gradient of 1 on
   * every row, none on the diagonal): each block of rows spans all m columns, so its log-sum-exp is final as
   * soon as its scores are, and the same scores give the gradient. Three products in all, against four for a
   * forward and a backward that recomputes; a loss whose row weights are all equal scales these.
   */
  public static void forwardWithRowGradient(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, float[] rowLse, float[] diag, float[] gA, float[] gB) {
    sweep(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
        hardComplement, rowLse, null, null, null, null, true, diag, gA, gB);
  }

  /**
   * Threads take contiguous rows; per block of rows: S = scale·A_rows·Bᵀ (GEMM), the hardness penalty (which
   * the products below do not differentiate: they keep the factor scale), the mask, in a forward the
   * row log-sum-exp and the diagonal, then G in place and gA_rows = G·B, gB += Gᵀ·A_rows (two GEMM calls,
   * scale folded into G). Each thread but the first adds into its own copy of gB, summed at the end; see
   * {@link #fit} for how many threads that allows.
   */
  private static void sweep(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      float[] rowLse, float[] colLse, float[] gRow, float[] gCol, float[] gDiag, boolean forward,
      float[] diag, float[] gA, float[] gB) {
    Arrays.fill(gA, 0, n * d, 0f);
    Arrays.fill(gB, 0, m * d, 0f);
    if (n == 0 || m == 0) {
      if (forward) Arrays.fill(rowLse, 0, n, NEG_INF);
      return;
    }
    int rb = rowBlock(m), chunks = fit(chunks(n), rb, m, (long) m * d);
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
        float[] s = new float[Math.min(rb, r1 - r0) * m], scratch = gc == null ? null : new float[m];
        for (int i0 = r0; i0 < r1; i0 += rb) {
          int mb = Math.min(rb, r1 - i0);
          gemm.gemm(false, true, mb, m, d, scale, a, i0 * d, d, b, 0, d, 0f, s, 0, m);
          if (forward) {
            for (int i = i0; i < Math.min(i0 + mb, m); i++) diag[i] = s[(i - i0) * m + i];
          }
          if (hardness != 0f) {
            harden(s, m, i0, mb, m, 1f + hardness / scale, hardStart, hardEnd, hardPeriod, hardComplement);
          }
          exclude(s, m, i0, mb, m, maskStart, maskEnd, maskPeriod);
          if (forward) rowLogSumExp(s, m, mb, rowLse, i0);
          gradientTile(s, m, i0, mb, m, scale, rowLse, gRow, forward, cs, gc, scratch);
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

  /*
   * The passes below keep one vector loop per method, each called once per row: a method with several
   * exp loops, or one long loop that C2 only reaches by on-stack replacement, got VectorMath.exp left
   * un-inlined ("callee is too large"), and every call then boxed its vectors: 4.8 GB allocated per
   * MNSRL step at B = 16384 and half the speed, where the split version allocates nothing per element.
   */

  /** rowLse[i0 + r] = log Σ_c exp s[r·ld + c] over the mb rows of a block spanning all ld columns. */
  private static void rowLogSumExp(float[] s, int ld, int mb, float[] rowLse, int i0) {
    for (int r = 0; r < mb; r++) {
      float max = rowMax(s, r * ld, ld);
      rowLse[i0 + r] = max == NEG_INF ? NEG_INF : max + (float) Math.log(expSum(s, r * ld, ld, max));
    }
  }

  private static float rowMax(float[] s, int t, int n) {
    int c = 0, up = SP.loopBound(n);
    FloatVector mx = FloatVector.broadcast(SP, NEG_INF);
    for (; c < up; c += VL) mx = mx.max(FloatVector.fromArray(SP, s, t + c));
    float max = mx.reduceLanes(VectorOperators.MAX);
    for (; c < n; c++) max = Math.max(max, s[t + c]);
    return max;
  }

  /** Σ_c exp(s[t + c] − shift). */
  private static float expSum(float[] s, int t, int n, float shift) {
    int c = 0, up = SP.loopBound(n);
    FloatVector sh = FloatVector.broadcast(SP, shift), acc = FloatVector.zero(SP);
    for (; c < up; c += VL) acc = acc.add(VectorMath.exp(FloatVector.fromArray(SP, s, t + c).sub(sh)));
    float sum = VectorMath.sum(acc);
    for (; c < n; c++) sum += VectorMath.exp(s[t + c] - shift);
    return sum;
  }

  /** Sets the masked elements of a block (row r at r·ld, columns 0 … m) to −∞. */
  private static void exclude(float[] s, int ld, int i0, int mb, int m, int[] maskStart, int[] maskEnd,
      int maskPeriod) {
    if (maskStart == null) return;
    for (int r = 0; r < mb; r++) {
      int t = r * ld, lo = maskStart[i0 + r], hi = maskEnd[i0 + r];
      if (lo >= hi) continue;
      for (long base = 0; base < m; base += maskPeriod) {
        for (long j = base + lo; j < Math.min(m, base + hi); j++) s[t + (int) j] = NEG_INF;
      }
    }
  }

  /**
   * Multiplies the penalised elements of a block (row r at r·ld, columns 0 … m) by {@code factor} = 1 + α/scale,
   * which adds α·S/scale: for row i the columns in [base + start, base + end) for base = 0, period, 2·period,
   * …, or with {@code complement} the gaps between those, [base + end, base + period + start) from base =
   * −period on; no range (start null) is none, and its complement every column. Contiguous runs, so no modulo
   * per element; S_ii is put back, as the diagonal is never penalised.
   */
  private static void harden(float[] s, int ld, int i0, int mb, int m, float factor, int[] start, int[] end,
      int period, boolean complement) {
    long p = start == null ? Integer.MAX_VALUE : period;
    for (int r = 0; r < mb; r++) {
      int t = r * ld, i = i0 + r;
      int lo = start == null ? 0 : start[i], hi = start == null ? 0 : end[i];
      float keep = i < m ? s[t + i] : 0f;
      if (complement) {
        for (long base = -p; base + hi < m; base += p) {
          multiply(s, t, (int) Math.max(0, base + hi), (int) Math.min(m, base + p + lo), factor);
        }
      } else if (lo < hi) {
        for (long base = 0; base + lo < m; base += p) {
          multiply(s, t, (int) (base + lo), (int) Math.min(m, base + hi), factor);
        }
      }
      if (i < m) s[t + i] = keep;
    }
  }

  /** x[t + c] *= f for c in [from, to): a plain loop, which C2 vectorises (memory-bound, see STYLE.md). */
  private static void multiply(float[] x, int t, int from, int to, float f) {
    for (int c = from; c < to; c++) x[t + c] *= f;
  }

  /**
   * Folds a block of rows into the running column statistics: per column the new maximum, the running sum
   * rescaled to it once, then the block's terms row by row (contiguous vectors). A column with nothing kept
   * yet keeps max −∞ and is shifted by 0, so exp(−∞ − (−∞)) never makes a NaN.
   */
  private static void updateColumns(float[] s, int ld, int mb, float[] colMax, float[] colSum, float[] shift) {
    int m = colMax.length;
    System.arraycopy(colMax, 0, shift, 0, m);
    for (int r = 0; r < mb; r++) maxInto(shift, s, r * ld, m);
    for (int c = 0; c < m; c++) {
      float max = shift[c], sh = max == NEG_INF ? 0f : max;
      colSum[c] *= VectorMath.exp(colMax[c] - sh);
      colMax[c] = max;
      shift[c] = sh;
    }
    for (int r = 0; r < mb; r++) addExps(colSum, s, r * ld, shift, m);
  }

  /** max[c] = max(max[c], s[t + c]). */
  private static void maxInto(float[] max, float[] s, int t, int n) {
    int c = 0, up = SP.loopBound(n);
    for (; c < up; c += VL) {
      FloatVector.fromArray(SP, max, c).max(FloatVector.fromArray(SP, s, t + c)).intoArray(max, c);
    }
    for (; c < n; c++) max[c] = Math.max(max[c], s[t + c]);
  }

  /** sum[c] += exp(s[t + c] − shift[c]). */
  private static void addExps(float[] sum, float[] s, int t, float[] shift, int n) {
    int c = 0, up = SP.loopBound(n);
    for (; c < up; c += VL) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(SP, s, t + c).sub(FloatVector.fromArray(SP, shift, c)));
      FloatVector.fromArray(SP, sum, c).add(e).intoArray(sum, c);
    }
    for (; c < n; c++) sum[c] += VectorMath.exp(s[t + c] - shift[c]);
  }

  /**
   * Replaces the scores of a block (row r at r·ld, columns 0 … nc) by scale·G without the diagonal term;
   * {@code unitRows} takes an upstream gradient of 1 on every row instead of gRow. {@code scratch} holds
   * one row's column term while the row term reads the scores.
   */
  private static void gradientTile(float[] tile, int ld, int i0, int mb, int nc, float scale, float[] rowLse,
      float[] gRow, boolean unitRows, float[] colShift, float[] gColScaled, float[] scratch) {
    for (int r = 0; r < mb; r++) {
      int t = r * ld, i = i0 + r;
      float gr = unitRows ? scale : gRow == null ? 0f : gRow[i] * scale, lr = rowLse[i];
      boolean rowTerm = gr != 0f && lr != NEG_INF;
      if (gColScaled == null) {
        if (rowTerm) scaledExp(tile, t, nc, lr, gr);
        else Arrays.fill(tile, t, t + nc, 0f);
        continue;
      }
      columnTerm(tile, t, nc, colShift, gColScaled, scratch);
      if (rowTerm) scaledExp(tile, t, nc, lr, gr);
      else Arrays.fill(tile, t, t + nc, 0f);
      addInto(tile, t, scratch, nc);
    }
  }

  /** x[t + c] = g·exp(x[t + c] − shift). */
  private static void scaledExp(float[] x, int t, int n, float shift, float g) {
    int c = 0, up = SP.loopBound(n);
    FloatVector sh = FloatVector.broadcast(SP, shift), gv = FloatVector.broadcast(SP, g);
    for (; c < up; c += VL) VectorMath.exp(FloatVector.fromArray(SP, x, t + c).sub(sh)).mul(gv).intoArray(x, t + c);
    for (; c < n; c++) x[t + c] = g * VectorMath.exp(x[t + c] - shift);
  }

  /** out[c] = gCol[c]·exp(s[t + c] − colShift[c]). */
  private static void columnTerm(float[] s, int t, int n, float[] colShift, float[] gCol, float[] out) {
    int c = 0, up = SP.loopBound(n);
    for (; c < up; c += VL) {
      FloatVector q = VectorMath.exp(FloatVector.fromArray(SP, s, t + c).sub(FloatVector.fromArray(SP, colShift, c)));
      q.mul(FloatVector.fromArray(SP, gCol, c)).intoArray(out, c);
    }
    for (; c < n; c++) out[c] = gCol[c] * VectorMath.exp(s[t + c] - colShift[c]);
  }

  /** x[t + c] += y[c]. */
  private static void addInto(float[] x, int t, float[] y, int n) {
    int c = 0, up = SP.loopBound(n);
    for (; c < up; c += VL) FloatVector.fromArray(SP, x, t + c).add(FloatVector.fromArray(SP, y, c)).intoArray(x, t + c);
    for (; c < n; c++) x[t + c] += y[c];
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }
}
