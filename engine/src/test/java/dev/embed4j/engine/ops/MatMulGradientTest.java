package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatMulGradientTest {

  @ParameterizedTest(name = "{0}x{1} · {1}x{2}")
  @CsvSource({"1,1,1", "3,5,2", "7,1,9", "13,17,5", "1,8,33"})
  void plain2d(int m, int k, int n) {
    GradCheck.of("matmul").input(1, -1, 1, m, k).input(2, -1, 1, k, n)
        .check(in -> in.get(0).matmul(in.get(1)), x -> DoubleRef.matmul(x[0], x[1], 1, 1, m, k, n));
  }

  @ParameterizedTest(name = "transA={0} transB={1}")
  @CsvSource({"false,true", "true,false", "true,true"})
  void transposedOperandsAsViews(boolean transA, boolean transB) {
    int m = 4, k = 6, n = 3;
    int[] as = transA ? new int[] {k, m} : new int[] {m, k};
    int[] bs = transB ? new int[] {n, k} : new int[] {k, n};
    GradCheck.of("matmul transposed").input(1, -1, 1, as).input(2, -1, 1, bs).check(in -> {
      Tensor a = transA ? in.get(0).t() : in.get(0);
      Tensor b = transB ? in.get(1).t() : in.get(1);
      return a.matmul(b);
    }, x -> DoubleRef.matmul(transA ? DoubleRef.transposeLast2(x[0], 1, k, m) : x[0],
        transB ? DoubleRef.transposeLast2(x[1], 1, n, k) : x[1], 1, 1, m, k, n));
  }

  @Test
  void batchedAndBroadcastOperands() {
    GradCheck.of("batched").input(1, -1, 1, 3, 4, 5).input(2, -1, 1, 3, 5, 2)
        .check(in -> in.get(0).matmul(in.get(1)), x -> DoubleRef.matmul(x[0], x[1], 3, 3, 4, 5, 2));
    GradCheck.of("batched × 2-D").input(3, -1, 1, 3, 4, 5).input(4, -1, 1, 5, 2)
        .check(in -> in.get(0).matmul(in.get(1)), x -> DoubleRef.matmul(x[0], x[1], 3, 1, 4, 5, 2));
    GradCheck.of("2-D × batched").input(5, -1, 1, 4, 5).input(6, -1, 1, 3, 5, 2)
        .check(in -> in.get(0).matmul(in.get(1)), x -> DoubleRef.matmul(x[0], x[1], 1, 3, 4, 5, 2));
  }

  @Test
  void batchedWithTransposedHeadsLikeAttention() {
    // q·kᵀ over [batch, heads, seq, dim] views produced by permute
    int b = 2, h = 2, s = 3, d = 4;
    GradCheck.of("q·kᵀ").input(1, -1, 1, b, s, h, d).input(2, -1, 1, b, s, h, d).check(in -> {
      Tensor q = in.get(0).permute(0, 2, 1, 3), k = in.get(1).permute(0, 2, 1, 3);
      return q.matmul(k.t());
    }, x -> {
      double[] out = new double[b * h * s * s];
      for (int bi = 0; bi < b; bi++)
        for (int hi = 0; hi < h; hi++)
          for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++) {
              double acc = 0;
              for (int di = 0; di < d; di++) {
                acc += x[0][((bi * s + i) * h + hi) * d + di] * x[1][((bi * s + j) * h + hi) * d + di];
              }
              out[((bi * h + hi) * s + i) * s + j] = acc;
            }
      return out;
    });
  }

  /**
   * x·Wᵀ hands W its gradient as Gᵀ·x in W's own layout: bit for bit what Aᵀ·G gives, and stored
   * contiguously (no transposing copy on the way to the leaf).
   */
  @Test
  void weightGradientThroughATransposedViewIsExactAndDense() {
    java.util.Random r = new java.util.Random(4);
    float[] xs = new float[67 * 50], ws = new float[29 * 50], gs = new float[67 * 29];
    for (float[] f : new float[][] {xs, ws, gs}) for (int i = 0; i < f.length; i++) f[i] = r.nextFloat() * 2 - 1;
    Tensor x = Tensor.of(xs, 67, 50), w = Tensor.of(ws, 29, 50).requiresGrad(true), g = Tensor.of(gs, 67, 29);
    x.matmul(w.t()).backward(g);
    float[] expected;
    try (var off = dev.embed4j.engine.Grad.off()) {
      expected = x.t().matmul(g).t().contiguous().toFloatArray();
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, w.grad().toFloatArray());
    assertTrue(w.grad().isContiguous());
  }

  @Test
  void innerDimensionMismatchNamesBothShapes() {
    ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
    assertTrue(e.getMessage().startsWith("matmul") && e.getMessage().contains("[2, 3]")
        && e.getMessage().contains("[4, 5]"), e.getMessage());
  }
}
