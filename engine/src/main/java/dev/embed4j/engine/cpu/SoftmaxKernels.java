package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.reference.SoftmaxReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise softmax and log-softmax, their backward, and cross-entropy over a rows × cols row-major
 * matrix. Twin: {@link SoftmaxReference}.
 *
 * <p>Per row: one pass for the max, one pass computing e = exp(x − max) with {@link VectorMath#exp}
 * (softmax stores e in y and sums it; log-softmax only sums), and one pass writing e/Σ or
 * x − max − log Σ. Subtracting the max keeps every exponent ≤ 0, so large logits never overflow, and
 * exp flushes results below FLT_MIN to 0, so a row of masked (−1e4 or −inf) logits costs no denormal
 * assists. A row that is all −inf has no defined softmax and gives NaN, as the twin does. The row (up to
 * a few thousand floats) stays in L1/L2 between passes, so the extra passes cost little against the exp.
 * Rows are split over {@link Parallel} when rows·cols is above a few thousand elements.
 *
 * <p>Cost: one exp, a few flops and 8 bytes of memory traffic per element forward; the backward is two
 * passes of 12 bytes per element (plus one exp per element for log-softmax). Measured by the Softmax JMH
 * benchmark against the twin.
 */
public final class SoftmaxKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Elements per task: exp makes each element ~10× dearer than a copy, so forking pays off sooner. */
  private static final int GRAIN = ElementwiseKernels.GRAIN / 4;

  private SoftmaxKernels() {}

  private static int grainRows(int cols) {
    return Math.max(1, GRAIN / Math.max(1, cols));
  }

  public static void softmax(float[] x, float[] y, int rows, int cols, boolean log) {
    if (cols == 0) return;
    Parallel.forRange(rows, grainRows(cols), (lo, hi) -> {
      for (int r = lo; r < hi; r++) softmaxRow(x, y, r * cols, cols, log);
    });
  }

  static void softmaxRow(float[] x, float[] y, int o, int n, boolean log) {
    float max = max(x, o, n);
    float sum = expSum(x, o, n, max, log ? null : y);
    if (log) {
      float shift = max + (float) Math.log(sum);
      int i = 0;
      for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, x, o + i).sub(shift).intoArray(y, o + i);
      for (; i < n; i++) y[o + i] = x[o + i] - shift;
    } else {
      float inv = 1f / sum;
      int i = 0;
      for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, y, o + i).mul(inv).intoArray(y, o + i);
      for (; i < n; i++) y[o + i] *= inv;
    }
  }

  static float max(float[] x, int o, int n) {
    FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
    int i = 0;
    for (int bound2 = n - 2 * L; i <= bound2; i += 2 * L) {
      m0 = m0.max(FloatVector.fromArray(S, x, o + i));
      m1 = m1.max(FloatVector.fromArray(S, x, o + i + L));
    }
    for (int bound = S.loopBound(n); i < bound; i += L) m0 = m0.max(FloatVector.fromArray(S, x, o + i));
    float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) m = Math.max(m, x[o + i]);
    return m;
  }

  /** Σ exp(x − shift) over the row; also stores each exp into e when e is not null. */
  static float expSum(float[] x, int o, int n, float shift, float[] e) {
    FloatVector s0 = FloatVector.zero(S), s1 = s0;
    int i = 0;
    if (e != null) {
      for (int bound2 = n - 2 * L; i <= bound2; i += 2 * L) {
        FloatVector e0 = VectorMath.exp(FloatVector.fromArray(S, x, o + i).sub(shift));
        FloatVector e1 = VectorMath.exp(FloatVector.fromArray(S, x, o + i + L).sub(shift));
        e0.intoArray(e, o + i);
        e1.intoArray(e, o + i + L);
        s0 = s0.add(e0);
        s1 = s1.add(e1);
      }
    } else {
      for (int bound2 = n - 2 * L; i <= bound2; i += 2 * L) {
        s0 = s0.add(VectorMath.exp(FloatVector.fromArray(S, x, o + i).sub(shift)));
        s1 = s1.add(VectorMath.exp(FloatVector.fromArray(S, x, o + i + L).sub(shift)));
      }
    }
    float s = VectorMath.sum(s0.add(s1));
    for (; i < n; i++) {
      float v = VectorMath.exp(x[o + i] - shift);
      if (e != null) e[o + i] = v;
      s += v;
    }
    return s;
  }

  /** Softmax: gx = y·(gy − Σ gy·y). Log-softmax: gx = gy − exp(y)·Σ gy. */
  public static void softmaxBackward(float[] y, float[] gy, float[] gx, int rows, int cols, boolean log) {
    if (cols == 0) return;
    Parallel.forRange(rows, grainRows(cols), (lo, hi) -> {
      for (int r = lo; r < hi; r++) {
        if (log) logSoftmaxBackwardRow(y, gy, gx, r * cols, cols);
        else softmaxBackwardRow(y, gy, gx, r * cols, cols);
      }
    });
  }

  // one row-method per case: C2 compiles only so many nodes into one method, and a loop with exp is big

  private static void logSoftmaxBackwardRow(float[] y, float[] gy, float[] gx, int o, int cols) {
    float dot = ReductionKernels.sum(gy, o, cols);
    FloatVector dv = FloatVector.broadcast(S, dot);
    int i = 0;
    for (int bound = S.loopBound(cols); i < bound; i += L) {
      FloatVector p = VectorMath.exp(FloatVector.fromArray(S, y, o + i));
      p.neg().fma(dv, FloatVector.fromArray(S, gy, o + i)).intoArray(gx, o + i);
    }
    for (; i < cols; i++) gx[o + i] = gy[o + i] - VectorMath.exp(y[o + i]) * dot;
  }

  private static void softmaxBackwardRow(float[] y, float[] gy, float[] gx, int o, int cols) {
    float dot = dot(gy, y, o, cols);
    int i = 0;
    for (int bound = S.loopBound(cols); i < bound; i += L) {
      FloatVector yv = FloatVector.fromArray(S, y, o + i);
      FloatVector.fromArray(S, gy, o + i).sub(dot).mul(yv).intoArray(gx, o + i);
    }
    for (; i < cols; i++) gx[o + i] = y[o + i] * (gy[o + i] - dot);
  }

  /** Σ a·b over a row, two vector accumulators. */
  static float dot(float[] a, float[] b, int o, int n) {
    FloatVector s0 = FloatVector.zero(S), s1 = s0;
    int i = 0;
    for (int bound2 = n - 2 * L; i <= bound2; i += 2 * L) {
      s0 = FloatVector.fromArray(S, a, o + i).fma(FloatVector.fromArray(S, b, o + i), s0);
      s1 = FloatVector.fromArray(S, a, o + i + L).fma(FloatVector.fromArray(S, b, o + i + L), s1);
    }
    for (int bound = S.loopBound(n); i < bound; i += L) {
      s0 = FloatVector.fromArray(S, a, o + i).fma(FloatVector.fromArray(S, b, o + i), s0);
    }
    float s = VectorMath.sum(s0.add(s1));
    for (; i < n; i++) s = Math.fma(a[o + i], b[o + i], s);
    return s;
  }

  /** loss[r] = −logProb[r, targets[r]], logProb = log-softmax(logits). */
  public static void crossEntropy(float[] logits, int[] targets, float[] logProb, float[] loss, int rows, int cols) {
    softmax(logits, logProb, rows, cols, true);
    for (int r = 0; r < rows; r++) loss[r] = -logProb[r * cols + targets[r]];
  }

  /** gLogits[r, c] = gLoss[r]·(exp(logProb[r, c]) − [c = targets[r]]). */
  public static void crossEntropyBackward(float[] logProb, int[] targets, float[] gLoss, float[] gLogits, int rows,
      int cols) {
    if (cols == 0) return;
    Parallel.forRange(rows, grainRows(cols), (lo, hi) -> {
      for (int r = lo; r < hi; r++) {
        int o = r * cols;
        float g = gLoss[r];
        int i = 0;
        for (int bound = S.loopBound(cols); i < bound; i += L) {
          VectorMath.exp(FloatVector.fromArray(S, logProb, o + i)).mul(g).intoArray(gLogits, o + i);
        }
        for (; i < cols; i++) gLogits[o + i] = g * VectorMath.exp(logProb[o + i]);
        int t = o + targets[r];
        gLogits[t] = g * (VectorMath.exp(logProb[t]) - 1f);
      }
    });
  }
}
