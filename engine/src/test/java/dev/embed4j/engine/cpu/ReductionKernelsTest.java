package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ReductionKernels} against {@link ElementwiseReference}, which sums in double. Tolerance for a
 * float sum of n terms: n·2^-24·Σ|x| is the worst case; the kernel's 4·L interleaved partial sums keep
 * the real error far below, so the test allows 1e-6·Σ|x| (row sums) and 1e-6 relative (sum of squares,
 * all terms positive).
 */
class ReductionKernelsTest {
  @Test
  void sumRowsMatchesTwin() {
    SplittableRandom r = new SplittableRandom(1);
    int[][] shapes = {{1, 1}, {3, 17}, {5, 384}, {64, 1537}, {1000, 3}, {2, 40_003}, {4, 0}, {0, 5}};
    for (int[] s : shapes) {
      int rows = s[0], cols = s[1];
      float[] x = FloatAsserts.uniform(r, rows * cols, -3, 5), want = new float[rows], got = new float[rows];
      ElementwiseReference.sumRows(x, rows, cols, want);
      ReductionKernels.sumRows(x, rows, cols, got);
      for (int i = 0; i < rows; i++) {
        double mass = 0;
        for (int c = 0; c < cols; c++) mass += Math.abs(x[i * cols + c]);
        assertEquals(want[i], got[i], 1e-6 * mass + 1e-30, "row " + i + " of " + rows + "×" + cols);
      }
    }
  }

  @Test
  void sumColumnsMatchesTwinAndIsTheSameOnAnyNumberOfThreads() {
    SplittableRandom r = new SplittableRandom(3);
    int[][] shapes = {{1, 1}, {17, 3}, {33, 384}, {4096, 384}, {1537, 1031}, {3, 40_003}, {0, 5}, {5, 0}};
    int saved = Parallel.threads();
    try {
      for (int[] s : shapes) {
        int rows = s[0], cols = s[1];
        float[] x = FloatAsserts.uniform(r, rows * cols, -3, 5), want = new float[cols];
        ElementwiseReference.sumColumns(x, rows, cols, want);
        float[][] got = new float[2][cols];
        for (int t = 1; t <= 2; t++) {
          Parallel.setThreads(t);
          java.util.Arrays.fill(got[t - 1], Float.NaN);
          ReductionKernels.sumColumns(x, rows, cols, got[t - 1]);
        }
        for (int c = 0; c < cols; c++) {
          double mass = 0;
          for (int i = 0; i < rows; i++) mass += Math.abs(x[i * cols + c]);
          assertEquals(want[c], got[0][c], 1e-6 * mass + 1e-30, "column " + c + " of " + rows + "×" + cols);
          assertEquals(Float.floatToRawIntBits(got[0][c]), Float.floatToRawIntBits(got[1][c]),
              "column " + c + " of " + rows + "×" + cols + ": 1 and 2 threads differ");
        }
      }
    } finally {
      Parallel.setThreads(saved);
    }
  }

  @Test
  void sumOfSquaresMatchesTwin() {
    SplittableRandom r = new SplittableRandom(2);
    for (int n : new int[] {0, 1, 7, 8, 9, 31, 33, 1001, 4096, 4097, 40_003, 1_000_003}) {
      float[] x = FloatAsserts.gaussian(r, n + 2, 1.5);
      double want = ElementwiseReference.sumOfSquares(x, 2, n), got = ReductionKernels.sumOfSquares(x, 2, n);
      assertTrue(Math.abs(want - got) <= 1e-6 * want, "n=" + n + ": " + got + " vs twin " + want);
    }
  }
}
