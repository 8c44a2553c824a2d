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
    return mnrl(cols, batch, dim, scale, cosine, dirs, mode, null, 0, cols);
  }

  /**
   * The same with sentence-transformers 5.3's hardness penalty, straight from its definition: query→doc
   * logit (i, j) gets α·sim(q_i, D_j) added when the mode selects j (never j = i; D_j belongs to q_i when
   * j mod B = i), and nothing else changes. The penalty's similarity is taken of {@code frozen}, the columns
   * at the point a gradient is checked at: it is a stop-gradient, so a central difference must see it as a
   * constant. Pass the columns themselves for a plain value.
   */
  static double mnrl(double[][] cols, int batch, int dim, double scale, boolean cosine, Set<Direction> dirs,
      PartitionMode mode, HardnessMode hardness, double strength, double[][] frozen) {
    int k = cols.length - 1;
    double[] q = rows(cols[0], batch, dim, cosine), qFrozen = rows(frozen[0], batch, dim, cosine);
    double[] docs = new double[k * batch * dim], docsFrozen = new double[k * batch * dim];
    for (int c = 1; c <= k; c++) {
      System.arraycopy(rows(cols[c], batch, dim, cosine), 0, docs, (c - 1) * batch * dim, batch * dim);
      System.arraycopy(rows(frozen[c], batch, dim, cosine), 0, docsFrozen, (c - 1) * batch * dim, batch * dim);
    }
    int m = k * batch;
    double total = 0;
    for (int i = 0; i < batch; i++) {
      double[] qd = new double[m], qq = new double[batch], dq = new double[batch], dd = new double[m];
      for (int j = 0; j < m; j++) {
        qd[j] = scale * dot(q, i, docs, j, dim);
        boolean own = j % batch == i;
        boolean penalised = hardness != null && j != i && switch (hardness) {
          case IN_BATCH_NEGATIVES -> !own;
          case HARD_NEGATIVES -> own && j >= batch;
          case ALL_NEGATIVES -> true;
        };
        if (penalised) qd[j] += strength * dot(qFrozen, i, docsFrozen, j, dim);
      }
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
    return rankingLogSumExp(s, labels, batch);
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

  /** TripletLoss: mean relu(d(a, p) − d(a, n) + margin), distances as PyTorch's pairwise_distance (eps 1e-6). */
  static double triplet(double[][] cols, int batch, int dim, TripletLoss.DistanceMetric metric, double margin) {
    double total = 0;
    for (int i = 0; i < batch; i++) {
      double dp = distance(cols[0], cols[1], i, dim, metric), dn = distance(cols[0], cols[2], i, dim, metric);
      total += Math.max(0, dp - dn + margin);
    }
    return total / batch;
  }

  private static double distance(double[] x, double[] y, int i, int dim, TripletLoss.DistanceMetric metric) {
    double s = 0;
    switch (metric) {
      case EUCLIDEAN -> {
        for (int k = 0; k < dim; k++) {
          double d = x[i * dim + k] - y[i * dim + k] + 1e-6;
          s += d * d;
        }
        return Math.sqrt(s);
      }
      case MANHATTAN -> {
        for (int k = 0; k < dim; k++) s += Math.abs(x[i * dim + k] - y[i * dim + k] + 1e-6);
        return s;
      }
      default -> {
        double xx = 0, yy = 0;
        for (int k = 0; k < dim; k++) {
          s += x[i * dim + k] * y[i * dim + k];
          xx += x[i * dim + k] * x[i * dim + k];
          yy += y[i * dim + k] * y[i * dim + k];
        }
        return 1 - s / (Math.max(Math.sqrt(xx), 1e-12) * Math.max(Math.sqrt(yy), 1e-12));
      }
    }
  }

  /** MarginMSELoss: mean over (i, k) of ((sim(q, p) − sim(q, n_k)) − label[i·K + k])². */
  static double marginMse(double[][] cols, float[] labels, int batch, int dim, boolean cosine) {
    int negatives = cols.length - 2;
    double[][] e = new double[cols.length][];
    for (int c = 0; c < cols.length; c++) e[c] = rows(cols[c], batch, dim, cosine);
    double total = 0;
    for (int i = 0; i < batch; i++) {
      for (int k = 0; k < negatives; k++) {
        double err = dot(e[0], i, e[1], i, dim) - dot(e[0], i, e[2 + k], i, dim) - labels[i * negatives + k];
        total += err * err;
      }
    }
    return total / (batch * negatives);
  }

  /**
   * AnglELoss straight from sentence-transformers' pairwise_angle_sim steps: the element-wise complex
   * quotient (a + ib)/(c + id) divided by z = ‖y‖², rescaled by ‖y‖/‖x‖, real and imaginary parts summed,
   * absolute value; then CoSENT on those similarities.
   */
  static double angle(double[] u, double[] v, float[] labels, int batch, int dim, double scale) {
    int half = (dim + 1) / 2;
    double[] s = new double[batch];
    for (int i = 0; i < batch; i++) {
      double[] x = new double[2 * half], y = new double[2 * half];
      System.arraycopy(u, i * dim, x, 0, dim);
      System.arraycopy(v, i * dim, y, 0, dim);
      double z = 0, xx = 0;
      for (int k = 0; k < 2 * half; k++) {
        z += y[k] * y[k];
        xx += x[k] * x[k];
      }
      double rescale = Math.sqrt(xx) / Math.sqrt(z), sum = 0;
      for (int k = 0; k < half; k++) {
        double a = x[k], b = x[half + k], c = y[k], d = y[half + k];
        sum += ((a * c + b * d) / z) / rescale + ((b * c - a * d) / z) / rescale;
      }
      s[i] = scale * Math.abs(sum);
    }
    return rankingLogSumExp(s, labels, batch);
  }

  /** CoSENT's and AnglE's loss over pair scores s: log(1 + Σ_{labels[i] < labels[j]} exp(s_i − s_j)). */
  static double rankingLogSumExp(double[] s, float[] labels, int batch) {
    java.util.List<Double> terms = new java.util.ArrayList<>();
    terms.add(0.0);
    for (int i = 0; i < batch; i++) for (int j = 0; j < batch; j++) if (labels[i] < labels[j]) terms.add(s[i] - s[j]);
    return logSumExp(terms.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
