package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Tolerance checks and random inputs shared by the kernel-versus-twin tests. */
final class FloatAsserts {
  /** Sizes that straddle the vector length (8 floats on AVX2, 16 on AVX-512) and the parallel grain. */
  static final int[] SIZES = {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1001, 40_003};

  private FloatAsserts() {}

  /**
   * Passes when |expected − actual| ≤ abs + rel·|expected| element by element, NaN matching NaN and
   * infinities matching themselves; the message names the first element that fails.
   */
  static void assertClose(String what, float[] expected, float[] actual, int n, double rel, double abs) {
    for (int i = 0; i < n; i++) {
      float e = expected[i], a = actual[i];
      if (Float.isNaN(e) && Float.isNaN(a) || e == a) continue;
      if (Float.isNaN(e) || Float.isNaN(a) || Float.isInfinite(e) || Float.isInfinite(a)
          || Math.abs((double) e - a) > abs + rel * Math.abs(e)) {
        fail(what + ": element " + i + " of " + n + " is " + a + ", the twin gives " + e + " (tolerance rel "
            + rel + ", abs " + abs + ")");
      }
    }
  }

  static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(lo, hi);
    return x;
  }

  static float[] gaussian(SplittableRandom r, int n, double sigma) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (nextGaussian(r) * sigma);
    return x;
  }

  static double nextGaussian(SplittableRandom r) {
    double u = r.nextDouble(), v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
