package dev.embed4j.engine.cpu.reference;

/**
 * The obviously right twin of {@code PairwiseLogSumExpKernel}: it materialises S = scale·A·Bᵀ in double,
 * takes a log-softmax over the rows and one over the columns, and differentiates through them. O(n·m)
 * memory and no blocking; for tests only. Semantics, masks and the hardness penalty included, as
 * {@link dev.embed4j.engine.backend.Backend#pairwiseLogSumExp}: a penalised score is scale·dot + α·dot,
 * element by element with a modulo, and the backward treats the α·dot as a constant.
 */
public final class PairwiseLogSumExpReference {
  private PairwiseLogSumExpReference() {}

  /** Whether element (i, j) is left out, by the mask convention of the backend. */
  public static boolean excluded(int[] maskStart, int[] maskEnd, int maskPeriod, int i, int j) {
    if (maskStart == null) return false;
    int r = j % maskPeriod;
    return r >= maskStart[i] && r < maskEnd[i];
  }

  /** Whether element (i, j) gets the hardness penalty (α above 0), by the convention of the backend. */
  public static boolean penalised(float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, int i, int j) {
    if (hardness == 0f || i == j) return false;
    boolean inRange = hardStart != null && excluded(hardStart, hardEnd, hardPeriod, i, j);
    return inRange != hardComplement;
  }

  /** S in double, penalised elements raised by α·dot, excluded elements at −∞. */
  public static double[] scores(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement) {
    double[] s = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double dot = 0;
        for (int k = 0; k < d; k++) dot += (double) a[i * d + k] * b[j * d + k];
        double v = scale * dot;
        if (penalised(hardness, hardStart, hardEnd, hardPeriod, hardComplement, i, j)) v += hardness * dot;
        s[i * m + j] = excluded(maskStart, maskEnd, maskPeriod, i, j) ? Double.NEGATIVE_INFINITY : v;
      }
    }
    return s;
  }

  public static void forward(float[] a, float[] b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      float[] rowLse, float[] colLse, float[] diag) {
    double[] s = scores(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
        hardComplement);
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
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      float[] gRow, float[] gCol, float[] gDiag, float[] gA, float[] gB) {
    double[] s = scores(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
        hardComplement);
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
