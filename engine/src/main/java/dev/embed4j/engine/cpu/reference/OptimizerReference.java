package dev.embed4j.engine.cpu.reference;

/** Scalar twins of the optimiser updates, written as torch.optim defines them. */
public final class OptimizerReference {
  private OptimizerReference() {}

  public static void adamW(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
      float eps, float weightDecay, int step) {
    double bc1 = 1.0 - Math.pow(beta1, step), bc2 = 1.0 - Math.pow(beta2, step);
    for (int i = 0; i < n; i++) {
      double pi = p[i] * (1.0 - (double) lr * weightDecay);
      double mi = beta1 * (double) m[i] + (1.0 - beta1) * g[i];
      double vi = beta2 * (double) v[i] + (1.0 - beta2) * (double) g[i] * g[i];
      m[i] = (float) mi;
      v[i] = (float) vi;
      p[i] = (float) (pi - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
    }
  }

  public static void sgd(float[] p, float[] g, float[] buf, int n, float lr, float momentum, float weightDecay,
      boolean firstStep) {
    for (int i = 0; i < n; i++) {
      double gi = g[i] + (double) weightDecay * p[i];
      double b = momentum == 0f ? gi : firstStep ? gi : momentum * (double) buf[i] + gi;
      if (buf != null) buf[i] = (float) b;
      p[i] = (float) (p[i] - lr * b);
    }
  }
}
