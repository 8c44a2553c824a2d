package dev.embed4j.losses;

import java.util.Set;

/** Plain float64 implementations of the losses, written from their formulas: the tests' reference. */
final class Float64Losses {
  private Float64Losses() {}

  static double[] rows(double[] x, int rows, int dim, boolean normalise) {
    double[] y = x.clone();
    if (!normalise) return y;
    for (int i = 0; i < rows; i++) {
      double n = 0;
      for (int k = 0; k < dim; k++) n += x[i * dim + k] * x[i * dim + k];
      n = Math.max(Math.sqrt(n), 1e-12);
      for (int k = 0; k < dim; k++) y[i * dim + k] = x[i * dim + k] / n;
    }
    return y;
  }

  static double dot(double[] x, int i, double[] y, int j, int dim) {
    double s = 0;
    for (int k = 0; k < dim; k++) s += x[i * dim + k] * y[j * dim + k];
    return s;
  }

  static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) max = Math.max(max, x);
    if (max == Double.NEGATIVE_INFINITY) return max;
    double s = 0;
    for (double x : v) s += Math.exp(x - max);
    return max + Math.log(s);
  }

  /** MultipleNegativesRankingLoss as sentence-transformers 5.3 computes it, matrices and all. */
  static double mnrl(double[][] cols, int batch, int dim, double scale, boolean cosine, Set<Direction> dirs,
      PartitionMode mode) {
    int k = cols.length - 1;
    double[] q = rows(cols[0], batch, dim, cosine);
    double[] docs = new double[k * batch * dim];
    for (int c = 1; c <= k; c++) System.arraycopy(rows(cols[c], batch, dim, cosine), 0, docs, (c - 1) * batch * dim, batch * dim);
    int m = k * batch;
    double total = 0;
    for (int i = 0; i < batch; i++) {
      double[] qd = new double[m], qq = new double[batch], dq = new double[batch], dd = new double[m];
      for (int j = 0; j < m; j++) qd[j] = scale * dot(q, i, docs, j, dim);
      for (int j = 0; j < batch; j++) qq[j] = j == i ? Double.NEGATIVE_INFINITY : scale * dot(q, i, q, j, dim);
      for (int j = 0; j < batch; j++) dq[j] = scale * dot(docs, i, q, j, dim);
      for (int j = 0; j < m; j++) dd[j] = j % batch == i ? Double.NEGATIVE_INFINITY : scale * dot(docs, i, docs, j, dim);
      java.util.List<double[]> terms = new java.util.ArrayList<>();
      terms.add(qd);
      if (dirs.contains(Direction.QUERY_TO_QUERY)) terms.add(qq);
      if (dirs.contains(Direction.DOC_TO_QUERY)) terms.add(dq);
      if (dirs.contains(Direction.DOC_TO_DOC)) terms.add(dd);
      double logZ;
      if (mode == PartitionMode.JOINT) {
        int len = 0;
        for (double[] t : terms) len += t.length;
        double[] all = new double[len];
        int at = 0;
        for (double[] t : terms) {
          System.arraycopy(t, 0, all, at, t.length);
          at += t.length;
        }
        logZ = logSumExp(all);
      } else {
        logZ = 0;
        for (double[] t : terms) logZ += logSumExp(t);
        logZ /= terms.size();
      }
      total += logZ - qd[i];
    }
    return total / batch;
  }

  /** (cross-entropy over the rows of q·Dᵀ + cross-entropy over the columns of q·d⁺ᵀ) / 2, written directly. */
  static double mnsrl(double[][] cols, int batch, int dim, double scale) {
    int k = cols.length - 1;
    double[] q = rows(cols[0], batch, dim, true);
    double[][] d = new double[k][];
    for (int c = 0; c < k; c++) d[c] = rows(cols[c + 1], batch, dim, true);
    double forward = 0, backward = 0;
    for (int i = 0; i < batch; i++) {
      double[] row = new double[k * batch], col = new double[batch];
      for (int c = 0; c < k; c++) for (int j = 0; j < batch; j++) row[c * batch + j] = scale * dot(q, i, d[c], j, dim);
      for (int j = 0; j < batch; j++) col[j] = scale * dot(q, j, d[0], i, dim);
      forward += logSumExp(row) - row[i];
      backward += logSumExp(col) - col[i];
    }
    return (forward + backward) / (2 * batch);
  }

  static double cosent(double[] u, double[] v, float[] labels, int batch, int dim, double scale) {
    double[] a = rows(u, batch, dim, true), b = rows(v, batch, dim, true);
    double[] s = new double[batch];
    for (int i = 0; i < batch; i++) s[i] = scale * dot(a, i, b, i, dim);
    java.util.List<Double> terms = new java.util.ArrayList<>();
    terms.add(0.0);
    for (int i = 0; i < batch; i++) for (int j = 0; j < batch; j++) if (labels[i] < labels[j]) terms.add(s[i] - s[j]);
    return logSumExp(terms.stream().mapToDouble(Double::doubleValue).toArray());
  }

  static double cosineSimilarity(double[] u, double[] v, float[] labels, int batch, int dim) {
    double[] a = rows(u, batch, dim, true), b = rows(v, batch, dim, true);
    double s = 0;
    for (int i = 0; i < batch; i++) {
      double e = dot(a, i, b, i, dim) - labels[i];
      s += e * e;
    }
    return s / batch;
  }

  /** GISTEmbedLoss as sentence-transformers computes it; guide columns already given. */
  static double gist(double[][] cols, double[][] guide, int batch, int dim, int guideDim, double temperature,
      MarginStrategy strategy, double margin, boolean anchors, boolean positives) {
    double[][] e = new double[cols.length][], g = new double[guide.length][];
    for (int c = 0; c < cols.length; c++) e[c] = rows(cols[c], batch, dim, true);
    for (int c = 0; c < guide.length; c++) g[c] = rows(guide[c], batch, guideDim, true);
    double total = 0;
    for (int i = 0; i < batch; i++) {
      double positive = dot(g[0], i, g[1], i, guideDim);
      double threshold = strategy == MarginStrategy.ABSOLUTE ? positive - margin : positive - Math.abs(positive) * margin;
      java.util.List<Double> logits = new java.util.ArrayList<>();
      int[][] pairs = {{0, 1}, {0, 0}, {1, 1}, {0, 2}};
      boolean[] on = {true, anchors, positives, cols.length == 3};
      for (int b = 0; b < 4; b++) {
        if (!on[b]) continue;
        int x = pairs[b][0], y = pairs[b][1];
        for (int j = 0; j < batch; j++) {
          boolean masked = dot(g[x], i, g[y], j, guideDim) > threshold && !(b == 0 && i == j);
          logits.add(masked ? Double.NEGATIVE_INFINITY : dot(e[x], i, e[y], j, dim) / temperature);
        }
      }
      double[] l = logits.stream().mapToDouble(Double::doubleValue).toArray();
      total += logSumExp(l) - l[i];
    }
    return total / batch;
  }
}
