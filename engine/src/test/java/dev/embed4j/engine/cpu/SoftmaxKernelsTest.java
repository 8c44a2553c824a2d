package dev.embed4j.engine.cpu;

import static dev.embed4j.engine.cpu.FloatAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.embed4j.engine.cpu.reference.SoftmaxReference;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SoftmaxKernels} against {@link SoftmaxReference} (double). Tolerances: probabilities 2e-6
 * relative plus 1e-9 absolute (a float exp of a few ulp, a float sum, one division; probabilities below
 * FLT_MIN flush to zero); log-probabilities 2e-6 relative plus 1e-4 (1e4 logits) or less
 * absolute, as x − max − log Σ is a float subtraction of numbers as large as the logits; backward
 * 2e-6 relative plus 2e-6·√cols absolute, since Σ gy over a row of gy ∈ (−1, 1) grows like √cols and
 * multiplies a probability carrying float error.
 */
class SoftmaxKernelsTest {
  static final int[][] SHAPES = {{1, 1}, {1, 7}, {3, 17}, {2, 8}, {4, 9}, {5, 384}, {3, 31}, {2, 33}, {64, 1537}, {7, 1001}};

  @Test
  void softmaxAndBackwardMatchTwin() {
    SplittableRandom r = new SplittableRandom(1);
    for (boolean log : new boolean[] {false, true}) {
      for (int[] s : SHAPES) {
        int rows = s[0], cols = s[1], n = rows * cols;
        float[] x = FloatAsserts.gaussian(r, n, 4);
        float[] want = new float[n], got = new float[n];
        SoftmaxReference.softmax(x, want, rows, cols, log);
        SoftmaxKernels.softmax(x, got, rows, cols, log);
        String what = (log ? "log-softmax " : "softmax ") + rows + "×" + cols;
        assertClose(what, want, got, n, 2e-6, log ? 1e-4 : 1e-9);

        float[] gy = FloatAsserts.uniform(r, n, -1, 1), gWant = new float[n], gGot = new float[n];
        SoftmaxReference.softmaxBackward(want, gy, gWant, rows, cols, log);
        SoftmaxKernels.softmaxBackward(want, gy, gGot, rows, cols, log);
        assertClose(what + " backward", gWant, gGot, n, 2e-6, 2e-6 * Math.sqrt(cols));
      }
    }
  }

  @Test
  void extremeLogitsStayFinite() {
    int cols = 37;
    float[][] rows = new float[5][cols];
    java.util.Arrays.fill(rows[0], 1e4f); // all large and equal
    for (int c = 0; c < cols; c++) rows[1][c] = c % 2 == 0 ? 80f + c : -80f - c; // would overflow exp unshifted
    for (int c = 0; c < cols; c++) rows[2][c] = -1e30f * (c + 1); // hugely negative
    java.util.Arrays.fill(rows[3], Float.NEGATIVE_INFINITY); // all masked but one
    rows[3][cols - 3] = 2.5f;
    for (int c = 0; c < cols; c++) rows[4][c] = c == 5 ? 0f : -1e4f; // masked with −1e4 (denormal range)
    float[] x = new float[5 * cols];
    for (int r = 0; r < 5; r++) System.arraycopy(rows[r], 0, x, r * cols, cols);
    for (boolean log : new boolean[] {false, true}) {
      float[] want = new float[x.length], got = new float[x.length];
      SoftmaxReference.softmax(x, want, 5, cols, log);
      SoftmaxKernels.softmax(x, got, 5, cols, log);
      for (int i = 0; i < x.length; i++) {
        assertFalse(Float.isNaN(got[i]), "NaN at " + i + (log ? " (log)" : ""));
        if (!log) assertFalse(Float.isInfinite(got[i]), "inf at " + i);
      }
      assertClose("extreme " + (log ? "log-softmax" : "softmax"), want, got, x.length, 2e-6, log ? 2e-6 * 1e4 : 1e-9);
      if (!log) {
        assertEquals(1f, got[3 * cols + cols - 3]);
        assertEquals(0f, got[3 * cols]);
      }
    }
  }

  @Test
  void crossEntropyMatchesTwin() {
    SplittableRandom r = new SplittableRandom(3);
    for (int[] s : SHAPES) {
      int rows = s[0], cols = s[1], n = rows * cols;
      float[] logits = FloatAsserts.gaussian(r, n, 3);
      int[] targets = new int[rows];
      for (int i = 0; i < rows; i++) targets[i] = r.nextInt(cols);
      float[] lpWant = new float[n], lpGot = new float[n], lWant = new float[rows], lGot = new float[rows];
      SoftmaxReference.crossEntropy(logits, targets, lpWant, lWant, rows, cols);
      SoftmaxKernels.crossEntropy(logits, targets, lpGot, lGot, rows, cols);
      String what = "cross-entropy " + rows + "×" + cols;
      assertClose(what + " log-probabilities", lpWant, lpGot, n, 2e-6, 1e-5);
      assertClose(what + " loss", lWant, lGot, rows, 2e-6, 1e-5);

      float[] gLoss = FloatAsserts.uniform(r, rows, 0.1, 2), gWant = new float[n], gGot = new float[n];
      SoftmaxReference.crossEntropyBackward(lpWant, targets, gLoss, gWant, rows, cols);
      SoftmaxKernels.crossEntropyBackward(lpWant, targets, gLoss, gGot, rows, cols);
      assertClose(what + " backward", gWant, gGot, n, 2e-6, 1e-9);
    }
  }
}
