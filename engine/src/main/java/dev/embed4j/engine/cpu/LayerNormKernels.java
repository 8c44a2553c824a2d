package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.reference.LayerNormReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm over the last axis of a rows × cols row-major matrix, forward and backward. Twin:
 * {@link LayerNormReference}.
 *
 * <p>Forward, per row: a pass for the mean, a pass for Σ(x − mean)² and Σ(x − mean) (the corrected
 * two-pass algorithm, rather than E[x²] − E[x]², whose cancellation loses the variance of rows with a
 * large mean), and a pass writing
 * (x − mean)·rstd·gamma + beta; the row (384–1536 floats for BERT models) stays in L1 between passes.
 * Backward, per row: one pass accumulating Σ dx̂ and Σ dx̂·x̂ (dx̂ = gy·gamma) together with the
 * row's contribution to gGamma (Σ gy·x̂) and gBeta (Σ gy), and one pass writing gx. Rows are split over
 * {@link Parallel}; each thread accumulates gGamma and gBeta into its own buffer, and the buffers are
 * added in chunk order afterwards, so the result is race-free and does not depend on scheduling.
 *
 * <p>Cost: forward reads x three times (from cache after the first) and writes y: ~8 bytes of memory
 * traffic and ~6 flops per element; backward ~12 bytes and ~12 flops. Measured by the LayerNorm JMH
 * benchmarks against the twin.
 */
public final class LayerNormKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private LayerNormKernels() {}

  private static int grainRows(int cols) {
    return Math.max(1, ElementwiseKernels.GRAIN / 2 / Math.max(1, cols));
  }

  public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd, int rows,
      int cols, float eps) {
    if (cols == 0) return;
    Parallel.forRange(rows, grainRows(cols), (lo, hi) -> {
      for (int r = lo; r < hi; r++) forwardRow(x, gamma, beta, y, mean, rstd, r, cols, eps);
    });
  }

  private static void forwardRow(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd, int r,
      int n, float eps) {
    int o = r * n;
    float mu0 = ReductionKernels.sum(x, o, n) / n;
    // Σd and Σd² with d = x − mu0 in one pass: Σd/n corrects the float rounding of mu0 and
    // Σd² − (Σd)²/n removes its effect on the variance (the corrected two-pass algorithm), so a
    // constant row gets exactly its value as mean and variance 0 rather than a rounding error ×1/√eps
    FloatVector s0 = FloatVector.zero(S), s1 = s0, q0 = s0, q1 = s0;
    int i = 0;
    for (int bound2 = n - 2 * L; i <= bound2; i += 2 * L) {
      FloatVector d0 = FloatVector.fromArray(S, x, o + i).sub(mu0);
      FloatVector d1 = FloatVector.fromArray(S, x, o + i + L).sub(mu0);
      s0 = s0.add(d0);
      s1 = s1.add(d1);
      q0 = d0.fma(d0, q0);
      q1 = d1.fma(d1, q1);
    }
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector d = FloatVector.fromArray(S, x, o + i).sub(mu0);
      s0 = s0.add(d);
      q0 = d.fma(d, q0);
    }
    float sd = VectorMath.sum(s0.add(s1)), ss = VectorMath.sum(q0.add(q1));
    for (; i < n; i++) {
      float d = x[o + i] - mu0;
      sd += d;
      ss = Math.fma(d, d, ss);
    }
    float mu = mu0 + sd / n;
    double var = Math.max(0.0, ((double) ss - (double) sd * sd / n) / n);
    float rs = (float) (1.0 / Math.sqrt(var + eps));
    mean[r] = mu;
    rstd[r] = rs;
    i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector xhat = FloatVector.fromArray(S, x, o + i).sub(mu).mul(rs);
      xhat.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(y, o + i);
    }
    for (; i < n; i++) y[o + i] = Math.fma((x[o + i] - mu) * rs, gamma[i], beta[i]);
  }

  /** gx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) written; gGamma += Σ_rows gy·x̂, gBeta += Σ_rows gy (either may be null). */
  public static void backward(float[] x, float[] gamma, float[] mean, float[] rstd, float[] gy, float[] gx,
      float[] gGamma, float[] gBeta, int rows, int cols) {
    if (cols == 0 || rows == 0) return;
    int chunks = Math.min(Parallel.threads(), Math.max(1, rows / grainRows(cols)));
    if (chunks == 1) {
      backwardRows(x, gamma, mean, rstd, gy, gx, gGamma, gBeta, 0, rows, cols);
      return;
    }
    float[][] pg = new float[chunks][], pb = new float[chunks][];
    Parallel.forRange(chunks, 1, (lo, hi) -> {
      for (int c = lo; c < hi; c++) {
        int r0 = (int) ((long) rows * c / chunks), r1 = (int) ((long) rows * (c + 1) / chunks);
        pg[c] = gGamma == null ? null : new float[cols];
        pb[c] = gBeta == null ? null : new float[cols];
        backwardRows(x, gamma, mean, rstd, gy, gx, pg[c], pb[c], r0, r1, cols);
      }
    });
    for (int c = 0; c < chunks; c++) { // chunk order, not completion order
      if (gGamma != null) addInto(gGamma, pg[c], cols);
      if (gBeta != null) addInto(gBeta, pb[c], cols);
    }
  }

  private static void addInto(float[] acc, float[] part, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, acc, i).add(FloatVector.fromArray(S, part, i)).intoArray(acc, i);
    }
    for (; i < n; i++) acc[i] += part[i];
  }

  private static void backwardRows(float[] x, float[] gamma, float[] mean, float[] rstd, float[] gy, float[] gx,
      float[] gGamma, float[] gBeta, int r0, int r1, int n) {
    int bound = S.loopBound(n);
    for (int r = r0; r < r1; r++) {
      int o = r * n;
      float mu = mean[r], rs = rstd[r];
      FloatVector sd = FloatVector.zero(S), sdx = sd;
      int i = 0;
      for (; i < bound; i += L) {
        FloatVector g = FloatVector.fromArray(S, gy, o + i);
        FloatVector xhat = FloatVector.fromArray(S, x, o + i).sub(mu).mul(rs);
        FloatVector d = g.mul(FloatVector.fromArray(S, gamma, i));
        sd = sd.add(d);
        sdx = d.fma(xhat, sdx);
        if (gGamma != null) g.fma(xhat, FloatVector.fromArray(S, gGamma, i)).intoArray(gGamma, i);
        if (gBeta != null) g.add(FloatVector.fromArray(S, gBeta, i)).intoArray(gBeta, i);
      }
      float sumD = VectorMath.sum(sd), sumDX = VectorMath.sum(sdx);
      for (; i < n; i++) {
        float xhat = (x[o + i] - mu) * rs, d = gy[o + i] * gamma[i];
        sumD += d;
        sumDX = Math.fma(d, xhat, sumDX);
        if (gGamma != null) gGamma[i] = Math.fma(gy[o + i], xhat, gGamma[i]);
        if (gBeta != null) gBeta[i] += gy[o + i];
      }
      float a = sumD / n, b = sumDX / n;
      FloatVector bv = FloatVector.broadcast(S, b);
      i = 0;
      for (; i < bound; i += L) {
        FloatVector xhat = FloatVector.fromArray(S, x, o + i).sub(mu).mul(rs);
        FloatVector d = FloatVector.fromArray(S, gy, o + i).mul(FloatVector.fromArray(S, gamma, i));
        xhat.neg().fma(bv, d.sub(a)).mul(rs).intoArray(gx, o + i);
      }
      for (; i < n; i++) {
        float xhat = (x[o + i] - mu) * rs, d = gy[o + i] * gamma[i];
        gx[o + i] = rs * Math.fma(-xhat, b, d - a);
      }
    }
  }
}
