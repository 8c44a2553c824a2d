package dev.embed4j.engine.cpu;

import dev.embed4j.engine.cpu.reference.OptimizerReference;

/**
 * The optimiser updates, element-wise over a parameter and its gradient and state (all contiguous, from
 * 0). Twin: {@link OptimizerReference}, which computes in double; these compute in float, with the
 * bias corrections folded into two per-step scalars: p ← p·(1 − lr·wd) − (lr/bc1)·m / (√v·(1/√bc2) + eps).
 * The twin's division by √(v/bc2) becomes a multiplication by 1/√bc2, which changes the last bit at most.
 *
 * <p>Cost: AdamW reads p, g, m, v and writes p, m, v: 28 bytes and ~12 flops a parameter (one sqrt and one
 * division, the two slowest vector instructions), memory-bound for any model that does not fit in cache.
 * Split over {@link Parallel} above {@link ElementwiseKernels#GRAIN} elements.
 *
 * <p>Plain loops, not the Vector API: memory-bound, they run as fast as the vector loop once C2 has compiled them
 * (C2 vectorises them itself; 14–15 ms either way for AdamW over all-MiniLM-L6-v2's 22.7 M parameters on this
 * project's AVX-512 machine, same bits), and in a fresh JVM, before C2 has, they run 5× faster (a first AdamW call
 * over 22.7 M parameters: 123 ms against 662 ms), since un-compiled Vector API code allocates every vector. The
 * first training step of a fresh JVM runs every optimiser update once over every parameter.
 */
public final class OptimizerKernels {
  private OptimizerKernels() {}

  public static void adamW(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
      float eps, float weightDecay, int step) {
    float decay = (float) (1.0 - (double) lr * weightDecay);
    float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
    float invSqrtBc2 = (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, step)));
    float oneMinusB1 = (float) (1.0 - beta1), oneMinusB2 = (float) (1.0 - beta2);
    Parallel.forRange(n, ElementwiseKernels.GRAIN, (lo, hi) -> {
      for (int i = lo; i < hi; i++) {
        float mi = beta1 * m[i] + oneMinusB1 * g[i];
        float vi = beta2 * v[i] + oneMinusB2 * (g[i] * g[i]);
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - mi * stepSize / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
      }
    });
  }

  /** buf = μ·buf + (g + wd·p) (buf = g + wd·p on the first step, or with no momentum); p −= lr·buf. */
  public static void sgd(float[] p, float[] g, float[] buf, int n, float lr, float momentum, float weightDecay,
      boolean firstStep) {
    boolean fresh = momentum == 0f || firstStep;
    Parallel.forRange(n, ElementwiseKernels.GRAIN, (lo, hi) -> {
      for (int i = lo; i < hi; i++) {
        float gi = g[i] + weightDecay * p[i];
        float b = fresh ? gi : momentum * buf[i] + gi;
        if (buf != null) buf[i] = b;
        p[i] = p[i] - lr * b;
      }
    });
  }
}
