package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attention op through the autograd (forward and the backend's fused backward) against float64 central
 * differences of an independent double-precision attention, for loss = Σ w ∘ attention(q, k, v), without
 * and with dropout on the probabilities (a fixed generator seed makes the dropped function smooth).
 */
class AttentionGradientTest {
  private static final double H = 1e-6;

  /**
   * batch, heads, seqQ, seqK, dim, mask pattern ("" none; per batch: a = all keys, p = padded, n = none),
   * dropout rate.
   */
  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(1, 1, 1, 1, 1, "", 0f),
        Arguments.of(1, 2, 3, 4, 5, "", 0f),
        Arguments.of(2, 2, 5, 3, 4, "ap", 0f),
        Arguments.of(2, 1, 4, 6, 3, "np", 0f),
        Arguments.of(1, 1, 35, 5, 2, "p", 0f),
        Arguments.of(1, 2, 3, 4, 5, "", 0.3f),
        Arguments.of(2, 2, 5, 7, 4, "ap", 0.5f),
        Arguments.of(1, 1, 35, 5, 2, "p", 0.1f));
  }

  @ParameterizedTest(name = "[{0},{1},{2}x{3},{4}] mask \"{5}\" dropout {6}")
  @MethodSource("shapes")
  void gradientsMatchCentralDifferences(int batch, int heads, int seqQ, int seqK, int dim, String maskKind,
      float dropout) {
    Random rnd = new Random(1000L * seqQ + 100L * seqK + dim);
    float[] q = gaussian(rnd, batch * heads * seqQ * dim);
    float[] k = gaussian(rnd, batch * heads * seqK * dim);
    float[] v = gaussian(rnd, k.length);
    float[] w = gaussian(rnd, q.length);
    float[] mask = mask(rnd, maskKind, batch, seqK);
    float scale = (float) (1 / Math.sqrt(dim)) * 1.3f;
    int[] qShape = {batch, heads, seqQ, dim}, kShape = {batch, heads, seqK, dim};

    Tensor tq = Tensor.of(q, qShape).requiresGrad(true);
    Tensor tk = Tensor.of(k, kShape).requiresGrad(true);
    Tensor tv = Tensor.of(v, kShape).requiresGrad(true);
    Tensor tm = mask == null ? null : Tensor.of(mask, batch, seqK);
    Tensor out = Attention.apply(tq, tk, tv, tm, scale, dropout, new Generator(77));
    out.mul(Tensor.of(w, qShape)).sum().backward();
    long seed = new Generator(77).nextSeed(); // the seed the op drew

    double[][] x = {toDouble(q), toDouble(k), toDouble(v)};
    Loss loss = () -> {
      double[] o = attention(x[0], x[1], x[2], mask, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
      double s = 0;
      for (int i = 0; i < o.length; i++) s += w[i] * o[i];
      return s;
    };
    // The forward value itself, against the double implementation.
    double[] want = attention(x[0], x[1], x[2], mask, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
    float[] got = out.toFloatArray();
    for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), "out[" + i + "]");

    String[] names = {"q", "k", "v"};
    Tensor[] leaves = {tq, tk, tv};
    for (int t = 0; t < 3; t++) {
      float[] analytic = leaves[t].grad().toFloatArray();
      for (int i = 0; i < x[t].length; i++) {
        double keep = x[t][i];
        x[t][i] = keep + H;
        double up = loss.value();
        x[t][i] = keep - H;
        double down = loss.value();
        x[t][i] = keep;
        double numeric = (up - down) / (2 * H);
        if (!(Math.abs(analytic[i] - numeric) <= 1e-3 * Math.abs(numeric) + 1e-5)) {
          fail("d loss / d " + names[t] + "[" + i + "]: analytic " + analytic[i] + ", central difference " + numeric);
        }
      }
    }
  }

  @Test
  void defaultScaleIsOneOverRootDim() {
    Random rnd = new Random(3);
    int[] shape = {1, 2, 3, 9};
    Tensor q = Tensor.of(gaussian(rnd, 54), shape), k = Tensor.of(gaussian(rnd, 54), shape);
    Tensor v = Tensor.of(gaussian(rnd, 54), shape);
    float[] a = Functional.attention(q, k, v, null).toFloatArray();
    float[] b = Functional.attention(q, k, v, null, 1f / 3f).toFloatArray();
    float[] c = Functional.attention(q, k, v, null, 1f).toFloatArray();
    assertEquals(0, java.util.Arrays.compare(a, b));
    assertTrue(java.util.Arrays.compare(a, c) != 0);
  }

  @Test
  void dropoutRatesOutsideZeroToOneAreRefused() {
    Tensor q = Tensor.zeros(1, 1, 2, 3);
    for (float bad : new float[] {-0.1f, 1f, Float.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Attention.apply(q, q, q, null, 1f, bad, new Generator(1)));
      assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Attention.apply(q, q, q, null, 1f, 0.1f, null));
  }

  @Test
  void shapeErrorsNameTheShapes() {
    Tensor q = Tensor.zeros(2, 3, 5, 4), k = Tensor.zeros(2, 3, 7, 4), v = Tensor.zeros(2, 3, 7, 4);
    assertMessage(() -> Functional.attention(Tensor.zeros(2, 5, 4), k, v, null), "[2, 5, 4]", "[batch, heads, seq, dim]");
    assertMessage(() -> Functional.attention(q, Tensor.zeros(2, 3, 7, 6), v, null), "[2, 3, 7, 6]", "[2, 3, 5, 4]");
    assertMessage(() -> Functional.attention(q, Tensor.zeros(2, 2, 7, 4), Tensor.zeros(2, 2, 7, 4), null),
        "[2, 2, 7, 4]", "[2, 3, 5, 4]");
    assertMessage(() -> Functional.attention(q, k, Tensor.zeros(2, 3, 6, 4), null), "[2, 3, 6, 4]", "[2, 3, 7, 4]");
    assertMessage(() -> Functional.attention(q, k, v, Tensor.ones(2, 5)), "[2, 5]", "[2, 7]");
    assertMessage(() -> Functional.attention(q, k, v, Tensor.ones(2, 3, 7)), "[2, 3, 7]", "[2, 7]");
  }

  private static void assertMessage(Runnable call, String... fragments) {
    ShapeException e = assertThrows(ShapeException.class, call::run);
    assertTrue(e.getMessage().startsWith("attention"), e.getMessage());
    for (String f : fragments) assertTrue(e.getMessage().contains(f), "\"" + f + "\" not in: " + e.getMessage());
  }

  @FunctionalInterface
  private interface Loss {
    double value();
  }

  /**
   * Plain double attention; rows whose keys are all padding give 0, as the op defines. Dropout keeps
   * probability (i, j) of pair p, times 1/(1 − rate), when Generator.uniform(seed, (p·seqQ + i)·seqK + j) ≥ rate.
   */
  private static double[] attention(double[] q, double[] k, double[] v, float[] mask, int batch, int heads,
      int seqQ, int seqK, int dim, double scale, float dropout, long seed) {
    double[] out = new double[batch * heads * seqQ * dim];
    double[] p = new double[seqK];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int pair = b * heads + h;
        for (int i = 0; i < seqQ; i++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < seqK; j++) {
            if (mask != null && mask[b * seqK + j] == 0) {
              p[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double s = 0;
            for (int d = 0; d < dim; d++) s += q[(pair * seqQ + i) * dim + d] * k[(pair * seqK + j) * dim + d];
            p[j] = s * scale;
            max = Math.max(max, p[j]);
          }
          if (max == Double.NEGATIVE_INFINITY) continue;
          double sum = 0;
          for (int j = 0; j < seqK; j++) sum += p[j] = Math.exp(p[j] - max);
          for (int j = 0; j < seqK; j++) {
            long index = ((long) pair * seqQ + i) * seqK + j;
            double z = dropout == 0f ? 1 : Generator.uniform(seed, index) >= dropout ? 1 / (1.0 - dropout) : 0;
            for (int d = 0; d < dim; d++) {
              out[(pair * seqQ + i) * dim + d] += p[j] / sum * z * v[(pair * seqK + j) * dim + d];
            }
          }
        }
      }
    }
    return out;
  }

  /** One character per batch row: a = every key attends, p = a random tail is padding, n = all padding. */
  private static float[] mask(Random rnd, String kind, int batch, int seqK) {
    if (kind.isEmpty()) return null;
    float[] m = new float[batch * seqK];
    for (int b = 0; b < batch; b++) {
      int valid = switch (kind.charAt(b)) {
        case 'a' -> seqK;
        case 'p' -> 1 + rnd.nextInt(seqK - 1);
        default -> 0;
      };
      for (int j = 0; j < valid; j++) m[b * seqK + j] = 1f;
    }
    return m;
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
    return x;
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) d[i] = x[i];
    return d;
  }
}
