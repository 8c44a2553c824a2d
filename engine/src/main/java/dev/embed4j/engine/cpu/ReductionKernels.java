package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums: {@link #sumRows} (out[r] = Σ_c x[r, c]), {@link #sumColumns} (out[c] = Σ_r x[r, c]) and
 * {@link #sumOfSquares} (Σ x², for gradient clipping). Twins: {@link ElementwiseReference#sumRows},
 * {@link ElementwiseReference#sumColumns}, {@link ElementwiseReference#sumOfSquares}.
 *
 * <p>Both keep four vector accumulators, which hides the 4-cycle add latency and, as a side effect, sums
 * in 4·L interleaved partial sums, so the float rounding grows like n/(4·L) rather than n. The sum of
 * squares, which the contract asks to accumulate in double, sums blocks of {@link #BLOCK} elements in
 * float vectors and adds each block's total to a double: near double accuracy across blocks, float speed
 * within one. Cost: one pass, 4 bytes per element, memory-bound.
 */
public final class ReductionKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final int BLOCK = 4096;

  private ReductionKernels() {}

  /** Σ x[off .. off+n) in float, four vector accumulators. */
  static float sum(float[] x, int off, int n) {
    FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound4 = n - 4 * L; i <= bound4; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(S, x, off + i));
      s1 = s1.add(FloatVector.fromArray(S, x, off + i + L));
      s2 = s2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
    }
    for (int bound = S.loopBound(n); i < bound; i += L) s0 = s0.add(FloatVector.fromArray(S, x, off + i));
    float s = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) s += x[off + i];
    return s;
  }

  /** Σ x² over x[off .. off+n) in float, four vector accumulators. */
  static float sumSquares(float[] x, int off, int n) {
    FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound4 = n - 4 * L; i <= bound4; i += 4 * L) {
      FloatVector v0 = FloatVector.fromArray(S, x, off + i), v1 = FloatVector.fromArray(S, x, off + i + L);
      FloatVector v2 = FloatVector.fromArray(S, x, off + i + 2 * L), v3 = FloatVector.fromArray(S, x, off + i + 3 * L);
      s0 = v0.fma(v0, s0);
      s1 = v1.fma(v1, s1);
      s2 = v2.fma(v2, s2);
      s3 = v3.fma(v3, s3);
    }
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, off + i);
      s0 = v.fma(v, s0);
    }
    float s = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) s = Math.fma(x[off + i], x[off + i], s);
    return s;
  }

  public static void sumRows(float[] x, int rows, int cols, float[] out) {
    if (cols == 0) {
      java.util.Arrays.fill(out, 0, rows, 0f);
      return;
    }
    int grainRows = Math.max(1, ElementwiseKernels.GRAIN / cols);
    Parallel.forRange(rows, grainRows, (lo, hi) -> {
      for (int r = lo; r < hi; r++) out[r] = sum(x, r * cols, cols);
    });
  }

  /**
   * out[c] = Σ_r x[r·cols + c]: the sums down the columns of a dense rows × cols matrix, which is how a
   * bias gradient reduces [batch·seq, hidden] without transposing it first. Threads take ranges of
   * columns; each streams its columns row by row, adding blocks of {@value #ROW_BLOCK} rows in float
   * and the block totals in double, so the error does not grow with the number of rows and the order of
   * the additions is fixed (the same bits on any number of threads).
   */
  public static void sumColumns(float[] x, int rows, int cols, float[] out) {
    int units = (cols + L - 1) / L;
    Parallel.forRange(units, Math.max(1, ElementwiseKernels.GRAIN / Math.max(1, rows * L)), (lo, hi) -> {
      float[] part = new float[COLUMN_CHUNK];
      double[] total = new double[COLUMN_CHUNK];
      for (int c0 = lo * L, end = Math.min(cols, hi * L); c0 < end; c0 += COLUMN_CHUNK) {
        int w = Math.min(COLUMN_CHUNK, end - c0);
        java.util.Arrays.fill(total, 0, w, 0.0);
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
          java.util.Arrays.fill(part, 0, w, 0f);
          for (int r = r0, r1 = Math.min(rows, r0 + ROW_BLOCK); r < r1; r++) addInto(part, x, r * cols + c0, w);
          for (int j = 0; j < w; j++) total[j] += part[j];
        }
        for (int j = 0; j < w; j++) out[c0 + j] = (float) total[j];
      }
    });
  }

  static final int ROW_BLOCK = 32, COLUMN_CHUNK = 512;

  /** part[0 .. w) += x[off .. off+w). */
  private static void addInto(float[] part, float[] x, int off, int w) {
    int j = 0;
    for (int bound = S.loopBound(w); j < bound; j += L) {
      FloatVector.fromArray(S, part, j).add(FloatVector.fromArray(S, x, off + j)).intoArray(part, j);
    }
    for (; j < w; j++) part[j] += x[off + j];
  }

  public static double sumOfSquares(float[] x, int off, int n) {
    int blocks = (n + BLOCK - 1) / BLOCK;
    if (blocks <= 8) { // small: one thread, no allocation
      double total = 0;
      for (int b = 0; b < blocks; b++) total += sumSquares(x, off + b * BLOCK, Math.min(BLOCK, n - b * BLOCK));
      return total;
    }
    double[] partial = new double[blocks];
    Parallel.forRange(blocks, ElementwiseKernels.GRAIN / BLOCK, (lo, hi) -> {
      for (int b = lo; b < hi; b++) partial[b] = sumSquares(x, off + b * BLOCK, Math.min(BLOCK, n - b * BLOCK));
    });
    double total = 0;
    for (double p : partial) total += p; // in block order, so the result does not depend on the threads
    return total;
  }
}
