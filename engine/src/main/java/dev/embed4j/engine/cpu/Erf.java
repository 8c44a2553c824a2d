package dev.embed4j.engine.cpu;

/**
 * The error function, which Java's Math lacks. {@link #erf(double)} uses the Chebyshev fit of erfc from
 * Numerical Recipes (relative error below 1.2e-7 everywhere), accurate enough for float32 GELU and smooth,
 * so finite differences of GELU match its analytic derivative.
 */
public final class Erf {
  private Erf() {}

  public static double erf(double x) {
    double z = Math.abs(x);
    double t = 1.0 / (1.0 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? 1.0 - r : r - 1.0;
  }

  /** GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
  public static double gelu(double x) {
    return 0.5 * x * (1.0 + erf(x * 0.7071067811865476));
  }

  /** d GELU / dx = Φ(x) + x·φ(x). */
  public static double geluDerivative(double x) {
    double cdf = 0.5 * (1.0 + erf(x * 0.7071067811865476));
    double pdf = Math.exp(-0.5 * x * x) * 0.3989422804014327;
    return cdf + x * pdf;
  }
}
