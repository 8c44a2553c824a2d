package dev.embed4j.engine.cpu.reference;

/** Scalar twin of the LayerNorm kernels (two-pass mean and variance, in double). */
public final class LayerNormReference {
  private LayerNormReference() {}

  public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
      int rows, int cols, float eps) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      double mu = 0;
      for (int c = 0; c < cols; c++) mu += x[o + c];
      mu /= cols;
      double var = 0;
      for (int c = 0; c < cols; c++) var += (x[o + c] - mu) * (x[o + c] - mu);
      var /= cols;
      double rs = 1.0 / Math.sqrt(var + eps);
      mean[r] = (float) mu;
      rstd[r] = (float) rs;
      for (int c = 0; c < cols; c++) y[o + c] = (float) ((x[o + c] - mu) * rs * gamma[c] + beta[c]);
    }
  }

  /** dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = gy·gamma; gGamma += Σ gy·x̂, gBeta += Σ gy. */
  public static void backward(float[] x, float[] gamma, float[] mean, float[] rstd, float[] gy, float[] gx,
      float[] gGamma, float[] gBeta, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      double mu = mean[r], rs = rstd[r];
      double sumD = 0, sumDX = 0;
      for (int c = 0; c < cols; c++) {
        double xhat = (x[o + c] - mu) * rs;
        double d = (double) gy[o + c] * gamma[c];
        sumD += d;
        sumDX += d * xhat;
        if (gGamma != null) gGamma[c] += (float) (gy[o + c] * xhat);
        if (gBeta != null) gBeta[c] += gy[o + c];
      }
      for (int c = 0; c < cols; c++) {
        double xhat = (x[o + c] - mu) * rs;
        double d = (double) gy[o + c] * gamma[c];
        gx[o + c] = (float) (rs * (d - sumD / cols - xhat * sumDX / cols));
      }
    }
  }
}
