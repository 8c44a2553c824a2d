package dev.embed4j.engine.cpu;

import static dev.embed4j.engine.cpu.FloatAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.cpu.reference.LayerNormReference;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerNormKernels} against {@link LayerNormReference} (double). Tolerances: y, mean and rstd 2e-6
 * relative plus 2e-6 absolute (float sums over a row, one rounding per step); gx 1e-5 relative plus
 * 1e-5 absolute (two row sums whose rounding is multiplied by rstd); gGamma and gBeta, accumulated over
 * rows in float by both, 1e-6·rows absolute.
 */
class LayerNormKernelsTest {
  static final int[][] SHAPES = {{1, 1}, {3, 17}, {7, 8}, {4, 9}, {2, 31}, {2, 33}, {5, 384}, {64, 1537}, {300, 7}};

  @Test
  void forwardAndBackwardMatchTwin() {
    SplittableRandom r = new SplittableRandom(1);
    for (int[] s : SHAPES) {
      int rows = s[0], cols = s[1], n = rows * cols;
      float[] x = FloatAsserts.gaussian(r, n, 2);
      for (int i = 0; i < n; i++) x[i] += 3f; // a non-zero mean
      float[] gamma = FloatAsserts.uniform(r, cols, 0.5, 1.5), beta = FloatAsserts.uniform(r, cols, -0.5, 0.5);
      float[] yW = new float[n], yG = new float[n], mW = new float[rows], mG = new float[rows];
      float[] rW = new float[rows], rG = new float[rows];
      LayerNormReference.forward(x, gamma, beta, yW, mW, rW, rows, cols, 1e-5f);
      LayerNormKernels.forward(x, gamma, beta, yG, mG, rG, rows, cols, 1e-5f);
      String what = "LayerNorm " + rows + "×" + cols;
      assertClose(what + " y", yW, yG, n, 2e-6, 2e-6);
      assertClose(what + " mean", mW, mG, rows, 2e-6, 2e-6);
      assertClose(what + " rstd", rW, rG, rows, 2e-6, 2e-6);

      float[] gy = FloatAsserts.uniform(r, n, -1, 1);
      float[] gxW = new float[n], gxG = new float[n];
      float[] ggW = FloatAsserts.uniform(r, cols, -1, 1), gbW = FloatAsserts.uniform(r, cols, -1, 1);
      float[] ggG = ggW.clone(), gbG = gbW.clone(); // accumulated into, not overwritten
      LayerNormReference.backward(x, gamma, mW, rW, gy, gxW, ggW, gbW, rows, cols);
      LayerNormKernels.backward(x, gamma, mW, rW, gy, gxG, ggG, gbG, rows, cols);
      assertClose(what + " gx", gxW, gxG, n, 1e-5, 1e-5);
      assertClose(what + " gGamma", ggW, ggG, cols, 0, 1e-6 * rows);
      assertClose(what + " gBeta", gbW, gbG, cols, 0, 1e-6 * rows);

      float[] gxOnly = new float[n];
      LayerNormKernels.backward(x, gamma, mW, rW, gy, gxOnly, null, null, rows, cols);
      assertArrayEquals(gxG, gxOnly, what + " gx without gGamma/gBeta");
    }
  }

  @Test
  void constantRowsGiveBeta() {
    int rows = 6, cols = 384;
    float[] x = new float[rows * cols];
    float[] values = {0.7f, -3.3f, 1e4f, 0f, 123.456f, 1e-3f};
    for (int r = 0; r < rows; r++) java.util.Arrays.fill(x, r * cols, (r + 1) * cols, values[r]);
    float[] gamma = FloatAsserts.uniform(new SplittableRandom(2), cols, 0.5, 1.5);
    float[] beta = FloatAsserts.uniform(new SplittableRandom(3), cols, -1, 1);
    float[] y = new float[rows * cols], mean = new float[rows], rstd = new float[rows];
    LayerNormKernels.forward(x, gamma, beta, y, mean, rstd, rows, cols, 1e-5f);
    for (int r = 0; r < rows; r++) {
      assertEquals(values[r], mean[r], Math.ulp(values[r]), "mean of constant row " + r);
      assertEquals(1 / Math.sqrt(1e-5), rstd[r], 1e-3, "rstd of constant row " + r);
      for (int c = 0; c < cols; c++) assertEquals(beta[c], y[r * cols + c], 1e-5, "row " + r + " col " + c);
    }
  }

  @Test
  void backwardIsTheSameOnAnyThreadCount() {
    int rows = 257, cols = 384, n = rows * cols;
    SplittableRandom r = new SplittableRandom(5);
    float[] x = FloatAsserts.gaussian(r, n, 1), gamma = FloatAsserts.uniform(r, cols, 0.5, 1.5);
    float[] beta = new float[cols], y = new float[n], mean = new float[rows], rstd = new float[rows];
    LayerNormKernels.forward(x, gamma, beta, y, mean, rstd, rows, cols, 1e-5f);
    float[] gy = FloatAsserts.uniform(r, n, -1, 1);
    float[][] gg = new float[2][cols], gb = new float[2][cols], gx = new float[2][n];
    float[] wantG = new float[cols], wantB = new float[cols];
    LayerNormReference.backward(x, gamma, mean, rstd, gy, new float[n], wantG, wantB, rows, cols);
    int before = Parallel.threads();
    try {
      int[] threads = {1, 5};
      for (int t = 0; t < 2; t++) {
        Parallel.setThreads(threads[t]);
        LayerNormKernels.backward(x, gamma, mean, rstd, gy, gx[t], gg[t], gb[t], rows, cols);
      }
    } finally {
      Parallel.setThreads(before);
    }
    assertArrayEquals(gx[0], gx[1], "gx does not depend on threads");
    assertClose("gGamma on 5 threads", wantG, gg[1], cols, 0, 1e-6 * rows);
    assertClose("gBeta on 5 threads", wantB, gb[1], cols, 0, 1e-6 * rows);
    assertClose("gGamma on 1 thread", wantG, gg[0], cols, 0, 1e-6 * rows);
  }
}
