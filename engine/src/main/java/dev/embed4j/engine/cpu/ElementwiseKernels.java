package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels over contiguous {@code float[]} ranges: the unary functions and their backward, and
 * dropout. Twin: {@link ElementwiseReference}.
 *
 * <p>Layout: x, y, gy, gx contiguous from their offsets; y may alias x (in-place scaling). Each op has its
 * own loop, so the op's switch is decided once per call and the Vector API calls see constant operators
 * (a non-constant operator makes C2 give up the intrinsic and box every vector). The tail (fewer than
 * one vector) goes through the scalar twin. Work above {@link #GRAIN} elements is split into contiguous
 * chunks over {@link Parallel}.
 *
 * <p>Cost: memory-bound (8 or 12 bytes per element) for everything but EXP, TANH, LOG, POW and GELU;
 * GELU costs one exp and one division per lane. The GELU JMH benchmark (4096×1536) measures this against
 * the scalar twin.
 */
public final class ElementwiseKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Below this many elements a call stays on the calling thread: a fork costs a few microseconds. */
  static final int GRAIN = 1 << 15;

  private ElementwiseKernels() {}

  public static void unary(UnaryOp op, float param, float[] x, int xOff, float[] y, int yOff, int n) {
    Parallel.forRange(n, GRAIN, (lo, hi) -> unaryRange(op, param, x, xOff + lo, y, yOff + lo, hi - lo));
  }

  private static void unaryRange(UnaryOp op, float p, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0, bound = S.loopBound(n);
    switch (op) {
      case EXP -> { for (; i < bound; i += L) VectorMath.exp(load(x, xo + i)).intoArray(y, yo + i); }
      case LOG -> { for (; i < bound; i += L) load(x, xo + i).lanewise(VectorOperators.LOG).intoArray(y, yo + i); }
      case SQRT -> { for (; i < bound; i += L) load(x, xo + i).sqrt().intoArray(y, yo + i); }
      case NEG -> { for (; i < bound; i += L) load(x, xo + i).neg().intoArray(y, yo + i); }
      case TANH -> { for (; i < bound; i += L) load(x, xo + i).lanewise(VectorOperators.TANH).intoArray(y, yo + i); }
      case GELU -> { for (; i < bound; i += L) VectorMath.gelu(load(x, xo + i)).intoArray(y, yo + i); }
      case POW -> {
        if (p == 2f) {
          for (; i < bound; i += L) { FloatVector v = load(x, xo + i); v.mul(v).intoArray(y, yo + i); }
        } else if (p == 1f) {
          for (; i < bound; i += L) load(x, xo + i).intoArray(y, yo + i);
        } else {
          for (; i < bound; i += L) load(x, xo + i).pow(p).intoArray(y, yo + i);
        }
      }
      case SCALE -> { for (; i < bound; i += L) load(x, xo + i).mul(p).intoArray(y, yo + i); }
      case ADD_SCALAR -> { for (; i < bound; i += L) load(x, xo + i).add(p).intoArray(y, yo + i); }
      case RELU -> {
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += L) {
          FloatVector v = load(x, xo + i);
          zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i);
        }
      }
    }
    for (; i < n; i++) y[yo + i] = ElementwiseReference.apply(op, p, x[xo + i]);
  }

  /** gx = f'(x)·gy over n contiguous elements (all four arrays from offset 0). */
  public static void unaryBackward(UnaryOp op, float param, float[] x, float[] y, float[] gy, float[] gx, int n) {
    Parallel.forRange(n, GRAIN, (lo, hi) -> unaryBackwardRange(op, param, x, y, gy, gx, lo, hi));
  }

  private static void unaryBackwardRange(UnaryOp op, float p, float[] x, float[] y, float[] gy, float[] gx, int lo,
      int hi) {
    int i = lo, bound = lo + S.loopBound(hi - lo);
    switch (op) {
      case EXP -> { for (; i < bound; i += L) load(gy, i).mul(load(y, i)).intoArray(gx, i); }
      case LOG -> { for (; i < bound; i += L) load(gy, i).div(load(x, i)).intoArray(gx, i); }
      case SQRT -> { for (; i < bound; i += L) load(gy, i).mul(0.5f).div(load(y, i)).intoArray(gx, i); }
      case NEG -> { for (; i < bound; i += L) load(gy, i).neg().intoArray(gx, i); }
      case TANH -> {
        // 1 − y² by one fma: near |y| = 1 a separate y·y would round away most of the difference
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += L) {
          FloatVector v = load(y, i);
          v.neg().fma(v, one).mul(load(gy, i)).intoArray(gx, i);
        }
      }
      case GELU -> { for (; i < bound; i += L) VectorMath.geluBackward(load(x, i), load(gy, i)).intoArray(gx, i); }
      case POW -> {
        if (p == 2f) {
          for (; i < bound; i += L) load(x, i).mul(2f).mul(load(gy, i)).intoArray(gx, i);
        } else if (p == 1f) {
          for (; i < bound; i += L) load(gy, i).intoArray(gx, i);
        } else {
          float pm1 = p - 1f;
          for (; i < bound; i += L) load(x, i).pow(pm1).mul(p).mul(load(gy, i)).intoArray(gx, i);
        }
      }
      case SCALE -> { for (; i < bound; i += L) load(gy, i).mul(p).intoArray(gx, i); }
      case ADD_SCALAR -> { for (; i < bound; i += L) load(gy, i).intoArray(gx, i); }
      case RELU -> {
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += L) {
          zero.blend(load(gy, i), load(x, i).compare(VectorOperators.GT, 0f)).intoArray(gx, i);
        }
      }
    }
    for (; i < hi; i++) gx[i] = ElementwiseReference.derivative(op, p, x[i], y[i], gy[i]);
  }

  /**
   * y = x·keep/(1 − p) with keep = {@link Generator#uniform}(seed, i) ≥ p, so the mask is a pure function
   * of (seed, i): the same on every backend and for any split over threads. The hash is 64-bit integer
   * arithmetic, which AVX2 has no lane-wise multiply for, so this stays a scalar loop; it is split over
   * threads instead.
   */
  public static void dropout(float[] x, float[] y, int n, float p, long seed) {
    float scale = 1f / (1f - p);
    Parallel.forRange(n, GRAIN, (lo, hi) -> {
      for (int i = lo; i < hi; i++) y[i] = Generator.uniform(seed, i) >= p ? x[i] * scale : 0f;
    });
  }

  /** dst[off .. off+n) = value. */
  public static void fill(float[] dst, int off, int n, float value) {
    Parallel.forRange(n, GRAIN * 4, (lo, hi) -> java.util.Arrays.fill(dst, off + lo, off + hi, value));
  }

  private static FloatVector load(float[] a, int i) {
    return FloatVector.fromArray(S, a, i);
  }
}
