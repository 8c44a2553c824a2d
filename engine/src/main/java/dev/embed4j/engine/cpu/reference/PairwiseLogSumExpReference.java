package dev.embed4j.engine.cpu.reference;

/**
 * The obviously right twin of {@code PairwiseLogSumExpKernel}: it materialises S = scale·A·Bᵀ in double,
 * takes a log-softmax over the rows and one over the columns, and differentiates through them. O(n·m)
 * memory and no blocking; for tests only. Semantics, masks included, as
 * {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp}.
 */
public final class PairwiseLogSumExpReference {
  private PairwiseLogSumExpReference() {}

  /** Whether element (i, j) is left out, by the mask convention of the backend. */
  public static boolean excluded(int[] maskStart, int[] maskEnd, int maskPeriod, int i, int j) {
    if (maskStart == null) return false;
    int r = j % maskPeriod;
    return r >= maskStart[i] && r < maskEnd[i];
  }

  /** S in double, with excluded elements at −∞. */
  public static double[] scores(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod) {
    double[] s = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double dot = 0;
        for (int k = 0; k < d; k++) dot += (double) a[i * d + k] * b[j * d + k];
        s[i * m + j] = excluded(maskStart, maskEnd, maskPeriod, i, j) ? Double.NEGATIVE_INFINITY : scale * dot;
      }
    }
    return s;
  }

  public static void forward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] rowLse, float[] colLse, float[] diag) {
    double[] s = scores(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod);
    double[] rows = rowLse(s, n, m), cols = colLse(s, n, m);
    for (int i = 0; i < n; i++) rowLse[i] = (float) rows[i];
    if (colLse != null) for (int j = 0; j < m; j++) colLse[j] = (float) cols[j];
    for (int i = 0; i < Math.min(n, m); i++) {
      double dot = 0;
      for (int k = 0; k < d; k++) dot += (double) a[i * d + k] * b[i * d + k];
      diag[i] = (float) (scale * dot);
    }
  }

  public static void backward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float[] gRow, float[] gCol, float[] gDiag, float[] gA, float[] gB) {
    double[] s = scores(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod);
    double[] rows = rowLse(s, n, m), cols = colLse(s, n, m);
    double[] g = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double v = s[i * m + j];
        if (v == Double.NEGATIVE_INFINITY) continue;
        double gij = 0;
        if (gRow != null) gij += gRow[i] * Math.exp(v - rows[i]);
        if (gCol != null) gij += gCol[j] * Math.exp(v - cols[j]);
        g[i * m + j] = gij;
      }
    }
    if (gDiag != null) for (int i = 0; i < Math.min(n, m); i++) g[i * m + i] += gDiag[i];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        double acc = 0;
        for (int j = 0; j < m; j++) acc += g[i * m + j] * b[j * d + k];
        gA[i * d + k] = (float) (scale * acc);
      }
    }
    for (int j = 0; j < m; j++) {
      for (int k = 0; k < d; k++) {
        double acc = 0;
        for (int i = 0; i < n; i++) acc += g[i * m + j] * a[i * d + k];
        gB[j * d + k] = (float) (scale * acc);
      }
    }
  }

  static double[] rowLse(double[] s, int n, int m) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < m; j++) max = Math.max(max, s[i * m + j]);
      if (max == Double.NEGATIVE_INFINITY) {
        out[i] = max;
        continue;
      }
      double sum = 0;
      for (int j = 0; j < m; j++) sum += Math.exp(s[i * m + j] - max);
      out[i] = max + Math.log(sum);
    }
    return out;
  }

  static double[] colLse(double[] s, int n, int m) {
    double[] out = new double[m];
    for (int j = 0; j < m; j++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) max = Math.max(max, s[i * m + j]);
      if (max == Double.NEGATIVE_INFINITY) {
        out[j] = max;
        continue;
      }
      double sum = 0;
      for (int i = 0; i < n; i++) sum += Math.exp(s[i * m + j] - max);
      out[j] = max + Math.log(sum);
    }
    return out;
  }
}
