package dev.embed4j.engine.cpu.reference;

/**
 * The plain twin of the fused attention kernel: for each (batch, head) the whole seqQ × seqK score matrix
 * is materialised in double, soft-maxed and multiplied, and the backward is the textbook chain rule.
 * A row whose keys are all padding attends to nothing: its output is 0, its lse −∞, its gradients 0.
 * Dropout on the probabilities keeps element (i, j) of pair (b, h) when
 * {@code Generator.uniform(seed, ((b·heads + h)·seqQ + i)·seqK + j) ≥ p} and scales it by 1/(1 − p).
 */
public final class AttentionReference {
  private AttentionReference() {}

  public static void forward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      int batch, int heads, int seqQ, int seqK, int dim, float scale) {
    forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, scale, 0f, 0L);
  }

  public static void forward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      int batch, int heads, int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int qo = (b * heads + h) * seqQ * dim, ko = (b * heads + h) * seqK * dim;
        for (int i = 0; i < seqQ; i++) {
          double[] s = scores(q, k, mask, b, qo, ko, i, seqK, dim, scale);
          double max = Double.NEGATIVE_INFINITY;
          for (double x : s) max = Math.max(max, x);
          if (max == Double.NEGATIVE_INFINITY) {
            // Every key is padding: the row attends to nothing (see the class comment).
            lse[(b * heads + h) * seqQ + i] = Float.NEGATIVE_INFINITY;
            java.util.Arrays.fill(out, qo + i * dim, qo + (i + 1) * dim, 0f);
            continue;
          }
          double sum = 0;
          for (double x : s) sum += Math.exp(x - max);
          double l = max + Math.log(sum);
          lse[(b * heads + h) * seqQ + i] = (float) l;
          double[] z = keep(seed, dropout, ((long) (b * heads + h) * seqQ + i) * seqK, seqK);
          for (int d = 0; d < dim; d++) {
            double acc = 0;
            for (int j = 0; j < seqK; j++) acc += Math.exp(s[j] - l) * z[j] * v[ko + j * dim + d];
            out[qo + i * dim + d] = (float) acc;
          }
        }
      }
    }
  }

  public static void backward(float[] q, float[] k, float[] v, float[] mask, float[] gOut,
      float[] gq, float[] gk, float[] gv, int batch, int heads, int seqQ, int seqK, int dim, float scale) {
    backward(q, k, v, mask, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, scale, 0f, 0L);
  }

  /** With dropout: O = (P ∘ Z)·V, so dV = (P ∘ Z)ᵀ·dO, and the softmax sees dP ∘ Z. */
  public static void backward(float[] q, float[] k, float[] v, float[] mask, float[] gOut,
      float[] gq, float[] gk, float[] gv, int batch, int heads, int seqQ, int seqK, int dim, float scale,
      float dropout, long seed) {
    java.util.Arrays.fill(gk, 0f);
    java.util.Arrays.fill(gv, 0f);
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int qo = (b * heads + h) * seqQ * dim, ko = (b * heads + h) * seqK * dim;
        for (int i = 0; i < seqQ; i++) {
          double[] s = scores(q, k, mask, b, qo, ko, i, seqK, dim, scale);
          double max = Double.NEGATIVE_INFINITY;
          for (double x : s) max = Math.max(max, x);
          if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(gq, qo + i * dim, qo + (i + 1) * dim, 0f);
            continue;
          }
          double sum = 0;
          for (double x : s) sum += Math.exp(x - max);
          double[] p = new double[seqK];
          for (int j = 0; j < seqK; j++) p[j] = Math.exp(s[j] - max) / sum;
          double[] z = keep(seed, dropout, ((long) (b * heads + h) * seqQ + i) * seqK, seqK);
          double[] dp = new double[seqK];
          double dot = 0;
          for (int j = 0; j < seqK; j++) {
            double acc = 0;
            for (int d = 0; d < dim; d++) acc += (double) gOut[qo + i * dim + d] * v[ko + j * dim + d];
            dp[j] = acc * z[j];
            dot += p[j] * dp[j];
          }
          for (int d = 0; d < dim; d++) {
            double accQ = 0;
            for (int j = 0; j < seqK; j++) {
              double ds = p[j] * (dp[j] - dot) * scale;
              accQ += ds * k[ko + j * dim + d];
              gk[ko + j * dim + d] += (float) (ds * q[qo + i * dim + d]);
              gv[ko + j * dim + d] += (float) (p[j] * z[j] * gOut[qo + i * dim + d]);
            }
            gq[qo + i * dim + d] = (float) accQ;
          }
        }
      }
    }
  }

  /** The dropout factors of one row: 1/(1 − p) for a kept element, 0 for a dropped one; all 1 when p = 0. */
  private static double[] keep(long seed, float p, long base, int n) {
    double[] z = new double[n];
    for (int j = 0; j < n; j++) {
      z[j] = p == 0f ? 1 : dev.embed4j.engine.Generator.uniform(seed, base + j) >= p ? 1.0 / (1.0 - p) : 0;
    }
    return z;
  }

  private static double[] scores(float[] q, float[] k, float[] mask, int b, int qo, int ko, int i, int seqK, int dim,
      float scale) {
    double[] s = new double[seqK];
    for (int j = 0; j < seqK; j++) {
      if (mask != null && mask[b * seqK + j] == 0f) {
        s[j] = Double.NEGATIVE_INFINITY;
        continue;
      }
      double acc = 0;
      for (int d = 0; d < dim; d++) acc += (double) q[qo + i * dim + d] * k[ko + j * dim + d];
      s[j] = acc * scale;
    }
    return s;
  }
}
