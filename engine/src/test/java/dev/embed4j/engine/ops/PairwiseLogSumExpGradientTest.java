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
    return reference(a, b, n, m, d, scale, mask, columns, null, null, null);
  }

  /**
   * The same with a hardness penalty whose value is frozen: a penalised S_ij gets α·(a0_i · b0_j) added,
   * computed from the fixed a0 and b0 (the point the gradient is checked at), not from a and b. A central
   * difference of this twin is then the derivative with the penalty held constant, which is what the
   * stop-gradient asks of the op; a twin whose penalty moved with a and b would differ by α·(…) per element.
   */
  static double[] reference(double[] a, double[] b, int n, int m, int d, double scale, PairwiseLogSumExp.Mask mask,
      boolean columns, PairwiseLogSumExp.Hardness hardness, double[] a0, double[] b0) {
    double[] s = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double dot = 0;
        for (int k = 0; k < d; k++) dot += a[i * d + k] * b[j * d + k];
        s[i * m + j] = scale * dot;
        if (hardness != null && hardness.penalises(i, j)) {
          double frozen = 0;
          for (int k = 0; k < d; k++) frozen += a0[i * d + k] * b0[j * d + k];
          s[i * m + j] += hardness.strength() * frozen;
        }
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

  /** Uniform values in [-1, 1), rounded to float, as GradCheck's own inputs. */
  private static double[] uniform(long seed, int count) {
    java.util.Random r = new java.util.Random(seed);
    double[] v = new double[count];
    for (int i = 0; i < count; i++) v[i] = (float) (-1 + 2 * r.nextDouble());
    return v;
  }

  private static void checkHardness(String name, int n, int m, int d, float scale, PairwiseLogSumExp.Mask mask,
      PairwiseLogSumExp.Hardness hardness, boolean columns, boolean rowGradientInForward) {
    double[] a0 = uniform(n * 31L + d, n * d), b0 = uniform(m * 37L + d, m * d);
    GradCheck.of(name).input(a0, n, d).input(b0, m, d).check(in -> {
      var r = Functional.pairwiseLogSumExp(in.get(0), in.get(1), scale, mask, columns, rowGradientInForward, hardness);
      return columns ? Tensor.concat(List.of(r.rowLse(), r.diag(), r.colLse()), 0)
          : Tensor.concat(List.of(r.rowLse(), r.diag()), 0);
    }, x -> reference(x[0], x[1], n, m, d, scale, mask, columns, hardness, a0, b0));
  }

  /**
   * The hardness penalty's value enters the sums and its gradient does not: each predicate form (a row's
   * own columns every B, their complement, the complement of no range, the complement of empty ranges),
   * with and without the columns and a mask, B = 4 queries against 12 documents (a positive and two hard
   * negatives each) and odd shapes.
   */
  @Test
  void hardnessIsAConstantInTheGradient() {
    var own = PairwiseLogSumExp.Mask.diagonalEvery(4, 4);
    var diagonal = PairwiseLogSumExp.Mask.diagonal(4);
    checkHardness("own negatives, α 5", 4, 12, 3, 2f, diagonal, new PairwiseLogSumExp.Hardness(5f, own, false), true, true);
    checkHardness("in-batch negatives, α 9", 4, 12, 3, 2f, diagonal, new PairwiseLogSumExp.Hardness(9f, own, true), true,
        true);
    checkHardness("in-batch negatives, rows only, recomputed", 4, 12, 3, 2f, diagonal,
        new PairwiseLogSumExp.Hardness(9f, own, true), false, false);
    checkHardness("every off-diagonal element, 5x7", 5, 7, 2, 3f, null, new PairwiseLogSumExp.Hardness(5f, null, true),
        true, true);
    checkHardness("empty ranges complemented, 6x4", 6, 4, 3, 1.5f, null,
        new PairwiseLogSumExp.Hardness(3f, PairwiseLogSumExp.Mask.ranges(new int[] {0, 1, 2, 3, 4, 4},
            new int[] {0, 1, 2, 3, 4, 4}), true), false, true);
    checkHardness("plain ranges, 3x8", 3, 8, 4, 2f, PairwiseLogSumExp.Mask.diagonal(3),
        new PairwiseLogSumExp.Hardness(4f, PairwiseLogSumExp.Mask.ranges(new int[] {0, 2, 5}, new int[] {6, 2, 8}), false),
        true, true);
  }

  /**
   * A mean over rows with a hardness penalty: the backward scales the gradients the forward computed, which
   * must hold the penalty constant too.
   */
  @Test
  void aMeanOverRowsWithHardnessUsesTheGradientsOfTheForward() {
    int n = 4, m = 8, d = 3;
    var mask = PairwiseLogSumExp.Mask.diagonal(n);
    var hardness = new PairwiseLogSumExp.Hardness(5f, PairwiseLogSumExp.Mask.diagonalEvery(n, n), true);
    double[] a0 = uniform(5, n * d), b0 = uniform(6, m * d);
    GradCheck.of("mean of rows with hardness").input(a0, n, d).input(b0, m, d).check(in -> {
      var r = Functional.pairwiseLogSumExp(in.get(0), in.get(1), 3f, mask, false, true, hardness);
      return r.rowLse().mean().sub(r.diag().mul(0.7f).sum());
    }, x -> {
      double[] out = reference(x[0], x[1], n, m, d, 3f, mask, false, hardness, a0, b0);
      double loss = 0;
      for (int i = 0; i < n; i++) loss += out[i] / n;
      for (int i = 0; i < n; i++) loss -= 0.7 * out[n + i];
      return new double[] {loss};
    });
  }

  /** Strength 0 is no penalty, bit for bit, whatever the ranges; a bad strength or range names itself. */
  @Test
  void hardnessOfStrengthZeroChangesNothingAndBadHardnessIsRejected() {
    Tensor a = Tensor.randn(7, 5, 3), b = Tensor.randn(8, 10, 3);
    var mask = PairwiseLogSumExp.Mask.diagonal(5);
    var plain = Functional.pairwiseLogSumExp(a, b, 20f, mask, true);
    var zero = Functional.pairwiseLogSumExp(a, b, 20f, mask, true, false,
        new PairwiseLogSumExp.Hardness(0f, PairwiseLogSumExp.Mask.diagonalEvery(5, 5), true));
    assertTrue(java.util.Arrays.equals(plain.rowLse().toFloatArray(), zero.rowLse().toFloatArray())
        && java.util.Arrays.equals(plain.colLse().toFloatArray(), zero.colLse().toFloatArray()));
    for (float bad : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
      var e = assertThrows(IllegalArgumentException.class, () -> new PairwiseLogSumExp.Hardness(bad, null, true));
      assertTrue(e.getMessage().contains("hardness strength"), e.getMessage());
    }
    var rows = assertThrows(IllegalArgumentException.class, () -> Functional.pairwiseLogSumExp(a, b, 20f, null, true,
        false, new PairwiseLogSumExp.Hardness(5f, PairwiseLogSumExp.Mask.diagonal(4), false)));
    assertTrue(rows.getMessage().contains("hardness") && rows.getMessage().contains("5 rows"), rows.getMessage());
    var scale = assertThrows(IllegalArgumentException.class, () -> Functional.pairwiseLogSumExp(a, b, 0f, null, true,
        false, new PairwiseLogSumExp.Hardness(5f, null, true)));
    assertTrue(scale.getMessage().contains("scale"), scale.getMessage());
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
