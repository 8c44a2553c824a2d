package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Tensor;
import org.junit.jupiter.api.Test;

class SoftmaxGradientTest {

  static double[] softmaxRef(double[] x, int cols, boolean log) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / cols; r++) {
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (int c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
      for (int c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
      for (int c = 0; c < cols; c++) {
        double l = x[r * cols + c] - max - Math.log(sum);
        y[r * cols + c] = log ? l : Math.exp(l);
      }
    }
    return y;
  }

  @Test
  void softmaxAndLogSoftmaxOverTheLastAxis() {
    for (int cols : new int[] {1, 3, 9, 17}) {
      GradCheck.of("softmax " + cols).input(1, -3, 3, 2, 3, cols)
          .check(in -> in.get(0).softmax(), x -> softmaxRef(x[0], cols, false));
      GradCheck.of("logSoftmax " + cols).input(2, -3, 3, 4, cols)
          .check(in -> in.get(0).logSoftmax(), x -> softmaxRef(x[0], cols, true));
    }
  }

  @Test
  void softmaxOfAStridedViewUsesItsLogicalLayout() {
    GradCheck.of("softmax of transpose").input(3, -2, 2, 5, 3)
        .check(in -> in.get(0).t().softmax(), x -> softmaxRef(DoubleRef.transposeLast2(x[0], 1, 5, 3), 5, false));
  }

  @Test
  void crossEntropyWithIntegerTargets() {
    int rows = 5, cols = 7;
    int[] targets = {0, 6, 3, 3, 1};
    GradCheck.of("crossEntropy").input(4, -3, 3, rows, cols).check(in -> in.get(0).crossEntropy(targets), x -> {
      double[] lp = softmaxRef(x[0], cols, true);
      double s = 0;
      for (int r = 0; r < rows; r++) s -= lp[r * cols + targets[r]];
      return new double[] {s / rows};
    });
  }

  @Test
  void largeLogitsDoNotOverflow() {
    float[] y = Tensor.of(new float[] {1000f, 0f, -1000f, 999f}, 1, 4).softmax().toFloatArray();
    for (float v : y) assertTrue(Float.isFinite(v));
    assertTrue(Math.abs(y[0] - 0.7310586f) < 1e-6 && Math.abs(y[3] - 0.26894143f) < 1e-6);
  }

  @Test
  void crossEntropyRejectsBadTargets() {
    var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).crossEntropy(new int[] {0, 3}));
    assertTrue(e.getMessage().contains("target 3") && e.getMessage().contains("row 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).crossEntropy(new int[] {0}));
  }
}
