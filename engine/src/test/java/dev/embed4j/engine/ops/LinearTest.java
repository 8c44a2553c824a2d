package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.Erf;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The fused fully connected layer: gradients against float64 central differences, and the unfused ops' bits. */
class LinearTest {

  /** y = act(x·Wᵀ + b) in double, x [m, k] (any leading axes flattened), W [n, k], b [n]. */
  private static double[] reference(double[] x, double[] w, double[] b, int m, int k, int n, boolean gelu) {
    double[] y = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double v = b[j];
        for (int p = 0; p < k; p++) v += x[i * k + p] * w[j * k + p];
        y[i * n + j] = gelu ? 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2))) : v;
      }
    }
    return y;
  }

  @ParameterizedTest(name = "m={0} k={1} n={2} gelu={3}")
  @CsvSource({"1,1,1,false", "3,5,2,true", "7,1,9,false", "13,17,5,true", "2,8,33,true", "5,33,8,false"})
  void gradientsMatchCentralDifferences(int m, int k, int n, boolean gelu) {
    GradCheck.of(gelu ? "linearGelu" : "linear").input(1, -1, 1, m, k).input(2, -1, 1, n, k).input(3, -1, 1, n)
        .check(in -> gelu ? Functional.linearGelu(in.get(0), in.get(1), in.get(2))
                : Functional.linear(in.get(0), in.get(1), in.get(2)),
            v -> reference(v[0], v[1], v[2], m, k, n, gelu));
  }

  @Test
  void leadingAxesAreRows() {
    int k = 6, n = 4;
    GradCheck.of("linearGelu [2, 3, k]").input(4, -1, 1, 2, 3, k).input(5, -1, 1, n, k).input(6, -1, 1, n)
        .check(in -> {
          Tensor y = Functional.linearGelu(in.get(0), in.get(1), in.get(2));
          assertArrayEquals(new int[] {2, 3, n}, y.shape());
          return y;
        }, v -> reference(v[0], v[1], v[2], 6, k, n, true));
  }

  /**
   * Against x.matmul(Wᵀ).add(b) (then GELU): outputs and all three gradients with the same bits, in training and
   * inference, with a parallel-sized product (rows split over threads) and a transposed view as the input.
   */
  @ParameterizedTest(name = "m={0} k={1} n={2} gelu={3}")
  @CsvSource({"300,384,1536,true", "300,384,1152,false", "64,1536,384,false", "9,24,64,true"})
  void sameBitsAsTheUnfusedOps(int m, int k, int n, boolean gelu) {
    Random rnd = new Random(m + 31L * n);
    float[] xs = new float[m * k], ws = new float[n * k], bs = new float[n], gs = new float[m * n];
    for (float[] a : List.of(xs, ws, bs, gs)) for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
    Function<Boolean, Tensor[]> run = fused -> {
      Tensor x = Tensor.of(xs, m, k).requiresGrad(true), w = Tensor.of(ws, n, k).requiresGrad(true);
      Tensor b = Tensor.of(bs, n).requiresGrad(true);
      Tensor y;
      if (fused) {
        y = gelu ? Functional.linearGelu(x, w, b) : Functional.linear(x, w, b);
      } else {
        y = x.matmul(w.t()).add(b);
        if (gelu) y = y.gelu();
      }
      y.mul(Tensor.of(gs, m, n)).sum().backward();
      Tensor inference;
      try (var off = Grad.off()) {
        inference = fused ? (gelu ? Functional.linearGelu(x, w, b) : Functional.linear(x, w, b))
            : gelu ? x.matmul(w.t()).add(b).gelu() : x.matmul(w.t()).add(b);
      }
      return new Tensor[] {y, x.grad(), w.grad(), b.grad(), inference};
    };
    Tensor[] fused = run.apply(true), plain = run.apply(false);
    String[] what = {"y", "dx", "dW", "db", "y without grad"};
    for (int i = 0; i < what.length; i++) {
      assertArrayEquals(plain[i].toFloatArray(), fused[i].toFloatArray(), 0f, what[i]);
    }
  }

  @ParameterizedTest(name = "m={0} k={1} n={2} p={3}")
  @CsvSource({"1,1,1,0", "3,5,2,0", "13,17,5,0.3", "7,9,33,0.5"})
  void dropoutAddGradientsMatchCentralDifferences(int m, int k, int n, float p) {
    long genSeed = 99;
    long seed = new dev.embed4j.engine.Generator(genSeed).nextSeed(); // the seed the op draws
    GradCheck.of("linearDropoutAdd p=" + p).input(1, -1, 1, m, k).input(2, -1, 1, n, k).input(3, -1, 1, n)
        .input(4, -1, 1, m, n)
        .check(in -> Functional.linearDropoutAdd(in.get(0), in.get(1), in.get(2), p,
                p > 0 ? new dev.embed4j.engine.Generator(genSeed) : null, in.get(3)),
            v -> {
              double[] y = reference(v[0], v[1], v[2], m, k, n, false);
              for (int i = 0; i < y.length; i++) {
                boolean keep = p == 0 || dev.embed4j.engine.Generator.uniform(seed, i) >= p;
                y[i] = (keep ? y[i] / (1 - p) : 0) + v[3][i];
              }
              return y;
            });
  }

  /**
   * Against linear, Dropout and add done one after the other from the same generator state: outputs, all four
   * gradients and the generator's next draw with the same bits; and without dropout (p = 0, no generator).
   */
  @ParameterizedTest(name = "m={0} k={1} n={2} p={3}")
  @CsvSource({"300,1536,384,0.1", "300,384,384,0", "40,24,64,0.5"})
  void dropoutAddSameBitsAsTheUnfusedOps(int m, int k, int n, float p) {
    Random rnd = new Random(m + 7L * k);
    float[] xs = new float[m * k], ws = new float[n * k], bs = new float[n], rs = new float[m * n], gs = new float[m * n];
    for (float[] a : List.of(xs, ws, bs, rs, gs)) for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
    Function<Boolean, Tensor[]> run = fused -> {
      Tensor x = Tensor.of(xs, m, k).requiresGrad(true), w = Tensor.of(ws, n, k).requiresGrad(true);
      Tensor b = Tensor.of(bs, n).requiresGrad(true), r = Tensor.of(rs, m, n).requiresGrad(true);
      dev.embed4j.engine.Generator gen = p > 0 ? new dev.embed4j.engine.Generator(5) : null;
      Tensor y = fused ? Functional.linearDropoutAdd(x, w, b, p, gen, r)
          : (p > 0 ? Functional.dropout(Functional.linear(x, w, b), p, gen) : Functional.linear(x, w, b)).add(r);
      y.mul(Tensor.of(gs, m, n)).sum().backward();
      float next = gen == null ? 0f : gen.nextSeed();
      return new Tensor[] {y, x.grad(), w.grad(), b.grad(), r.grad(), Tensor.of(new float[] {next}, 1)};
    };
    Tensor[] fused = run.apply(true), plain = run.apply(false);
    String[] what = {"y", "dx", "dW", "db", "d residual", "next draw"};
    for (int i = 0; i < what.length; i++) {
      assertArrayEquals(plain[i].toFloatArray(), fused[i].toFloatArray(), 0f, what[i]);
    }
    if (p > 0) {
      int zeros = 0;
      float[] y = fused[0].toFloatArray();
      for (int i = 0; i < y.length; i++) if (y[i] == rs[i]) zeros++;
      assertTrue(zeros > 0.5 * p * y.length && zeros < 1.5 * p * y.length, "dropped share " + zeros + "/" + y.length);
    }
  }

  @Test
  void transposedInputView() {
    int m = 5, k = 7, n = 3;
    GradCheck.of("linear on a transposed view").input(7, -1, 1, k, m).input(8, -1, 1, n, k).input(9, -1, 1, n)
        .check(in -> Functional.linear(in.get(0).t(), in.get(1), in.get(2)),
            v -> reference(DoubleRef.transposeLast2(v[0], 1, k, m), v[1], v[2], m, k, n, false));
  }

  @Test
  void wrongShapesNameTheOpAndTheShapes() {
    Tensor x = Tensor.zeros(4, 6), w = Tensor.zeros(3, 6), b = Tensor.zeros(3);
    ShapeException e = assertThrows(ShapeException.class, () -> Functional.linear(Tensor.zeros(4, 5), w, b));
    assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("[4, 5]"), e.getMessage());
    e = assertThrows(ShapeException.class, () -> Functional.linearGelu(x, w, Tensor.zeros(4)));
    assertTrue(e.getMessage().contains("linearGelu") && e.getMessage().contains("bias"), e.getMessage());
    e = assertThrows(ShapeException.class, () -> Functional.linear(x, Tensor.zeros(3, 6, 1), b));
    assertTrue(e.getMessage().contains("weight"), e.getMessage());
    assertEquals(3, Functional.linear(x, w, b).size(-1));
  }
}
