package dev.embed4j.engine.cpu;

import static dev.embed4j.engine.cpu.FloatAsserts.SIZES;
import static dev.embed4j.engine.cpu.FloatAsserts.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ElementwiseKernels} against {@link ElementwiseReference}. Tolerances: ops that are one correctly
 * rounded float operation in both (NEG, SCALE, RELU, POW 2, their backward) must match exactly up to the
 * twin's double rounding (1e-7 relative); transcendental ones (EXP, LOG, TANH, POW, GELU) get 2e-6
 * relative, the budget of a float polynomial of a few ulp plus the rounding of its argument, with an
 * absolute floor of 1e-30 (EXP flushes results below FLT_MIN to zero), 1e-7 near the zeros of LOG and
 * TANH, and 1e-12 for GELU, whose twin loses its negative tail to cancellation in 1 + erf (see abs()).
 */
class ElementwiseKernelsTest {
  private static float[] inputFor(UnaryOp op, SplittableRandom r, int n) {
    return switch (op) {
      case LOG, SQRT, POW -> FloatAsserts.uniform(r, n, 1e-3, 20);
      case EXP -> FloatAsserts.uniform(r, n, -100, 92);
      case GELU -> FloatAsserts.uniform(r, n, -14, 14);
      default -> FloatAsserts.uniform(r, n, -10, 10);
    };
  }

  private static double rel(UnaryOp op) {
    return switch (op) {
      case EXP, LOG, TANH, POW, GELU -> 2e-6;
      default -> 1e-7;
    };
  }

  private static double abs(UnaryOp op) {
    return switch (op) {
      case LOG, TANH -> 1e-7;
      // the twin forms 1 + erf(x/√2) in double, which cancels to 0 below x ≈ −8.5 where the kernel's erfc
      // form keeps the (tiny) value; GELU' adds Φ(x) and x·φ(x), which cancel in the negative tail
      case GELU -> 1e-12;
      default -> 1e-30;
    };
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryMatchesTwin(UnaryOp op) {
    SplittableRandom r = new SplittableRandom(op.ordinal());
    for (float param : new float[] {2f, -0.75f, 1.5f}) {
      for (int n : SIZES) {
        float[] x = inputFor(op, r, n + 3);
        float[] want = new float[n + 5], got = new float[n + 5];
        ElementwiseReference.unary(op, param, x, 3, want, 5, n);
        ElementwiseKernels.unary(op, param, x, 3, got, 5, n);
        assertClose(op + " param " + param + " n=" + n, want, got, n + 5, rel(op), abs(op));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryBackwardMatchesTwin(UnaryOp op) {
    SplittableRandom r = new SplittableRandom(100 + op.ordinal());
    for (float param : new float[] {2f, -0.75f, 1.5f}) {
      for (int n : SIZES) {
        float[] x = inputFor(op, r, n), y = new float[n], gy = FloatAsserts.uniform(r, n, -2, 2);
        ElementwiseReference.unary(op, param, x, 0, y, 0, n);
        float[] want = new float[n], got = new float[n];
        ElementwiseReference.unaryBackward(op, param, x, y, gy, want, n);
        ElementwiseKernels.unaryBackward(op, param, x, y, gy, got, n);
        // TANH: 1 − y², GELU: Φ(x) + x·φ(x) cancel to ~1 ulp of their O(1) terms
        double abs = op == UnaryOp.TANH || op == UnaryOp.GELU ? 2e-7 : abs(op);
        assertClose(op + "' param " + param + " n=" + n, want, got, n, rel(op), abs);
      }
    }
  }

  @Test
  void unaryInPlace() {
    float[] x = FloatAsserts.uniform(new SplittableRandom(5), 45, -3, 3), want = new float[45];
    ElementwiseReference.unary(UnaryOp.SCALE, 0.5f, x, 0, want, 0, 45);
    ElementwiseKernels.unary(UnaryOp.SCALE, 0.5f, x, 0, x, 0, 45);
    assertArrayEquals(want, x);
  }

  @Test
  void specialValues() {
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88.7f, 88.8f, -87f, -88f, -200f,
        1e-20f, -1e-20f, 30f, -30f, 10f, -10f};
    for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.RELU}) {
      float[] want = new float[x.length], got = new float[x.length];
      ElementwiseReference.unary(op, 0f, x, 0, want, 0, x.length);
      ElementwiseKernels.unary(op, 0f, x, 0, got, 0, x.length);
      assertClose(op + " on special values", want, got, x.length, 2e-6, abs(op));
    }
  }

  @Test
  void dropoutMaskEqualsTwinAndKeepRate() {
    SplittableRandom r = new SplittableRandom(9);
    for (int n : SIZES) {
      for (float p : new float[] {0.1f, 0.5f, 0.9f}) {
        float[] x = FloatAsserts.uniform(r, n, 0.5, 2), want = new float[n], got = new float[n];
        ElementwiseReference.dropout(x, want, n, p, 1234L + n);
        ElementwiseKernels.dropout(x, got, n, p, 1234L + n);
        assertArrayEquals(want, got, "dropout p=" + p + " n=" + n);
        if (n > 10_000) {
          int kept = 0;
          for (float v : got) if (v != 0f) kept++;
          double rate = (double) kept / n, sd = Math.sqrt(p * (1 - p) / n);
          assertTrue(Math.abs(rate - (1 - p)) < 5 * sd, "keep rate " + rate + " for p=" + p);
        }
      }
    }
  }

  /**
   * The branch-free mask decides exactly as uniform(seed, i) >= p, for rates whose p·2^24 is and is not a
   * whole number (0.25, 0.1), the smallest and largest floats around them, 0, and values near 1; and the kernel
   * writes +0 where it drops, for negative, infinite and NaN inputs too, as its twin does.
   */
  @Test
  void branchFreeKeepMaskDecidesAsUniformDoes() {
    float[] rates = {0f, Float.MIN_VALUE, 0x1.0p-24f, 0x1.8p-24f, 0.1f, Math.nextDown(0.25f), 0.25f, Math.nextUp(0.25f),
        0.5f, 0.9f, Math.nextDown(1f)};
    for (float p : rates) {
      int threshold = dev.embed4j.engine.Generator.keepThreshold(p);
      for (long seed : new long[] {0L, 7L, -3L, 0x123456789ABCDEFL}) {
        for (long i = 0; i < 20_000; i++) {
          long index = i * 7919L + seed;
          boolean keep = dev.embed4j.engine.Generator.uniform(seed, index) >= p;
          int mask = dev.embed4j.engine.Generator.keepMask(seed, index, threshold);
          if (mask != (keep ? -1 : 0)) {
            throw new AssertionError("p=" + p + " seed=" + seed + " index=" + index + ": mask " + mask + ", keep " + keep);
          }
        }
      }
    }
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, -1.5f, 3f, -2e30f, 1e-40f};
    float[] big = new float[4099];
    for (int i = 0; i < big.length; i++) big[i] = x[i % x.length];
    float[] want = new float[big.length], got = new float[big.length];
    ElementwiseReference.dropout(big, want, big.length, 0.5f, 99L);
    ElementwiseKernels.dropout(big, got, big.length, 0.5f, 99L);
    assertArrayEquals(want, got);
  }

  @Test
  void fillWritesOnlyTheRange() {
    float[] a = new float[100_000];
    ElementwiseKernels.fill(a, 3, 99_990, 2.5f);
    assertEquals(0f, a[2]);
    assertEquals(2.5f, a[3]);
    assertEquals(2.5f, a[99_992]);
    assertEquals(0f, a[99_993]);
  }
}
