package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairwiseLogSumExpGradientTest {

  /** [rowLse, diag, colLse] of scale·A·Bᵀ in double, excluded elements left out. */
  static double[] reference(double[] a, double[] b, int n, int m, int d, double scale, PairwiseLogSumExp.Mask mask,
      boolean columns) {
    double[] s = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double dot = 0;
        for (int k = 0; k < d; k++) dot += a[i * d + k] * b[j * d + k];
        s[i * m + j] = scale * dot;
      }
    }
    int k = Math.min(n, m);
    double[] out = new double[n + k + (columns ? m : 0)];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int j = 0; j < m; j++) if (!excluded(mask, i, j)) sum += Math.exp(s[i * m + j]);
      out[i] = Math.log(sum);
    }
    for (int i = 0; i < k; i++) out[n + i] = s[i * m + i];
    if (columns) {
      for (int j = 0; j < m; j++) {
        double sum = 0;
        for (int i = 0; i < n; i++) if (!excluded(mask, i, j)) sum += Math.exp(s[i * m + j]);
        out[n + k + j] = Math.log(sum);
      }
    }
    return out;
  }

  private static boolean excluded(PairwiseLogSumExp.Mask mask, int i, int j) {
    if (mask == null) return false;
    int r = j % mask.period();
    return r >= mask.start()[i] && r < mask.end()[i];
  }

  private static void check(String name, int n, int m, int d, float scale, PairwiseLogSumExp.Mask mask, boolean columns) {
    check(name, n, m, d, scale, mask, columns, true);
  }

  private static void check(String name, int n, int m, int d, float scale, PairwiseLogSumExp.Mask mask, boolean columns,
      boolean rowGradientInForward) {
    GradCheck.of(name).input(1, -1, 1, n, d).input(2, -1, 1, m, d).check(in -> {
      var r = Functional.pairwiseLogSumExp(in.get(0), in.get(1), scale, mask, columns, rowGradientInForward);
      return columns ? Tensor.concat(List.of(r.rowLse(), r.diag(), r.colLse()), 0)
          : Tensor.concat(List.of(r.rowLse(), r.diag()), 0);
    }, x -> reference(x[0], x[1], n, m, d, scale, mask, columns));
  }

  @Test
  void rowsColumnsAndDiagonal() {
    check("plain 5x7x3", 5, 7, 3, 2f, null, true);
    check("rows only 6x4x5", 6, 4, 5, 3f, null, false);
    check("single pair", 1, 1, 2, 4f, null, true);
  }

  @Test
  void masks() {
    check("diagonal 6x6", 6, 6, 3, 2f, PairwiseLogSumExp.Mask.diagonal(6), true);
    check("every 3rd 3x9", 3, 9, 4, 2f, PairwiseLogSumExp.Mask.diagonalEvery(3, 3), true);
    check("ranges 4x5", 4, 5, 2, 2f, PairwiseLogSumExp.Mask.ranges(new int[] {0, 1, 2, 4}, new int[] {2, 1, 5, 5}), false);
  }

  /**
   * A loss that weighs every row alike, mean(rowLse) − 0.7·Σ diag: without the columns the backward then
   * scales the gradients the forward computed instead of recomputing (n &gt; m, n &lt; m, a mask).
   */
  @Test
  void aMeanOverRowsUsesTheGradientsOfTheForward() {
    for (int[] s : new int[][] {{6, 4, 5}, {3, 8, 2}, {5, 5, 3}}) {
      int n = s[0], m = s[1], d = s[2];
      var mask = n == m ? PairwiseLogSumExp.Mask.diagonal(n) : null;
      GradCheck.of("mean of rows " + n + "x" + m).input(3, -1, 1, n, d).input(4, -1, 1, m, d).check(in -> {
        var r = Functional.pairwiseLogSumExp(in.get(0), in.get(1), 3f, mask, false);
        return r.rowLse().mean().sub(r.diag().mul(0.7f).sum());
      }, x -> {
        double[] out = reference(x[0], x[1], n, m, d, 3f, mask, false);
        double loss = 0;
        for (int i = 0; i < n; i++) loss += out[i] / n;
        for (int i = 0; i < Math.min(n, m); i++) loss -= 0.7 * out[n + i];
        return new double[] {loss};
      });
    }
  }

  /** Rows only without the forward's row gradient: the backward recomputes, with or without a mask. */
  @Test
  void rowsOnlyWithoutTheRowGradientInTheForward() {
    check("rows only, recomputed 6x4x5", 6, 4, 5, 3f, null, false, false);
    check("rows only, recomputed, diagonal 5x9x3", 5, 9, 3, 2f, PairwiseLogSumExp.Mask.diagonal(5), false, false);
    check("rows only, recomputed 1x1x2", 1, 1, 2, 4f, null, false, false);
  }

  @Test
  void anOutputThatDoesNotReachTheLossGetsNoGradient() {
    Tensor a = Tensor.randn(1, 4, 3).requiresGrad(true), b = Tensor.randn(2, 6, 3).requiresGrad(true);
    var r = Functional.pairwiseLogSumExp(a, b, 5f, null, true);
    r.colLse().sum().backward(); // rowLse and diag get null upstream gradients
    assertTrue(a.grad() != null && b.grad() != null);
    Tensor a2 = Tensor.randn(1, 4, 3).requiresGrad(true);
    var r2 = Functional.pairwiseLogSumExp(a2, b.detach(), 5f, null, false);
    assertNull(r2.colLse());
    r2.diag().sum().backward();
    float[] g = a2.grad().toFloatArray(), bv = b.toFloatArray();
    for (int i = 0; i < 12; i++) assertTrue(Math.abs(g[i] - 5f * bv[i]) < 1e-5, "d diag / dA = scale·B");
  }

  @Test
  void badInputIsRejected() {
    Tensor a = Tensor.zeros(3, 4), b = Tensor.zeros(5, 2);
    var e = assertThrows(RuntimeException.class, () -> Functional.pairwiseLogSumExp(a, b, 1f, null, true));
    assertTrue(e.getMessage().contains("same d"), e.getMessage());
    var m = assertThrows(IllegalArgumentException.class, () -> Functional.pairwiseLogSumExp(a, Tensor.zeros(5, 4), 1f,
        PairwiseLogSumExp.Mask.diagonal(2), true));
    assertTrue(m.getMessage().contains("3 rows"), m.getMessage());
  }
}
