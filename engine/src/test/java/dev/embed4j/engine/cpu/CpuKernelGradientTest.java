package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The ops' gradients still agree with central finite differences now that the CPU backend runs the
 * Vector API kernels: each check builds loss = Σ w ⊙ f(inputs) with random w, back-propagates, and
 * compares every input element's gradient with (L(x + h) − L(x − h)) / 2h, the losses summed in double
 * from float outputs (h = 1e-2; tolerance 2e-3·(1 + |g|), the truncation and float-rounding budget of
 * that difference). Shapes straddle the vector length (17 and 9 columns).
 */
class CpuKernelGradientTest {
  private static void check(String name, Function<Tensor[], Tensor> f, float[][] data, int[][] shapes) {
    Tensor[] in = new Tensor[data.length];
    for (int i = 0; i < data.length; i++) in[i] = Tensor.of(data[i], shapes[i]).requiresGrad(true);
    Tensor out = f.apply(in);
    float[] w = FloatAsserts.uniform(new SplittableRandom(7), out.numel(), -1, 1);
    out.mul(Tensor.of(w, out.shape())).sum().backward();
    for (int i = 0; i < data.length; i++) {
      float[] g = in[i].grad().toFloatArray();
      for (int j = 0; j < data[i].length; j++) {
        float keep = data[i][j];
        double h = 1e-2;
        data[i][j] = (float) (keep + h);
        double plus = loss(f, data, shapes, w);
        data[i][j] = (float) (keep - h);
        double minus = loss(f, data, shapes, w);
        data[i][j] = keep;
        double numeric = (plus - minus) / (2 * h);
        assertTrue(Math.abs(numeric - g[j]) <= 2e-3 * (1 + Math.abs(numeric)),
            name + ": input " + i + " element " + j + " gradient " + g[j] + ", finite difference " + numeric);
      }
    }
  }

  private static double loss(Function<Tensor[], Tensor> f, float[][] data, int[][] shapes, float[] w) {
    try (var g = Grad.off()) {
      Tensor[] in = new Tensor[data.length];
      for (int i = 0; i < data.length; i++) in[i] = Tensor.of(data[i], shapes[i]);
      float[] y = f.apply(in).toFloatArray();
      double s = 0;
      for (int k = 0; k < y.length; k++) s += (double) w[k] * y[k];
      return s;
    }
  }

  private static float[] rand(long seed, int n, double lo, double hi) {
    return FloatAsserts.uniform(new SplittableRandom(seed), n, lo, hi);
  }

  @Test
  void layerNorm() {
    check("layerNorm", t -> Functional.layerNorm(t[0], t[1], t[2], 1e-5f),
        new float[][] {rand(1, 3 * 17, -2, 2), rand(2, 17, 0.5, 1.5), rand(3, 17, -1, 1)},
        new int[][] {{3, 17}, {17}, {17}});
  }

  @Test
  void softmaxAndLogSoftmax() {
    check("softmax", t -> t[0].softmax(), new float[][] {rand(4, 3 * 17, -3, 3)}, new int[][] {{3, 17}});
    check("logSoftmax", t -> t[0].logSoftmax(), new float[][] {rand(5, 4 * 9, -3, 3)}, new int[][] {{4, 9}});
  }

  @Test
  void crossEntropy() {
    check("crossEntropy", t -> t[0].crossEntropy(new int[] {3, 0, 16}), new float[][] {rand(6, 3 * 17, -3, 3)},
        new int[][] {{3, 17}});
  }

  @Test
  void unaryOps() {
    check("gelu", t -> t[0].gelu(), new float[][] {rand(7, 3 * 17, -4, 4)}, new int[][] {{3, 17}});
    check("tanh", t -> t[0].tanh(), new float[][] {rand(8, 3 * 17, -2, 2)}, new int[][] {{3, 17}});
    check("exp", t -> t[0].exp(), new float[][] {rand(9, 3 * 17, -2, 2)}, new int[][] {{3, 17}});
    check("log·sqrt·pow", t -> t[0].log().add(t[0].sqrt()).add(t[0].pow(1.5f)),
        new float[][] {rand(10, 3 * 17, 0.5, 3)}, new int[][] {{3, 17}});
  }

  @Test
  void broadcastBinaryOps() {
    check("row bias", t -> t[0].add(t[1]).mul(t[1]), new float[][] {rand(11, 3 * 17, -2, 2), rand(12, 17, -2, 2)},
        new int[][] {{3, 17}, {17}});
    check("column scale", t -> t[0].div(t[1]).sub(t[1]),
        new float[][] {rand(13, 3 * 17, -2, 2), rand(14, 3, 1, 2)}, new int[][] {{3, 17}, {3, 1}});
    check("middle axis", t -> t[0].mul(t[1]), new float[][] {rand(15, 2 * 5 * 9, -2, 2), rand(16, 2 * 9, -2, 2)},
        new int[][] {{2, 5, 9}, {2, 1, 9}});
    check("transposed", t -> t[0].transpose(0, 1).mul(t[1]).sum(1, false),
        new float[][] {rand(17, 9 * 4, -2, 2), rand(18, 4 * 9, -2, 2)}, new int[][] {{9, 4}, {4, 9}});
  }
}
