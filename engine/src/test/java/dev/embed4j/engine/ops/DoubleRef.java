package dev.embed4j.engine.ops;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Tensor;
import java.util.function.DoubleBinaryOperator;

/** Plain double-precision versions of shape logic the gradient tests need (broadcasting, index maps). */
final class DoubleRef {
  private DoubleRef() {}

  static int[] broadcastShape(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
      int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
      out[i] = Math.max(da, db);
    }
    return out;
  }

  /** Reads x (shape xs) at index idx of a broadcast shape. */
  static double at(double[] x, int[] xs, int[] idx) {
    int lead = idx.length - xs.length, f = 0;
    for (int d = 0; d < xs.length; d++) f = f * xs[d] + (xs[d] == 1 ? 0 : idx[d + lead]);
    return x[f];
  }

  static double[] binary(double[] a, int[] as, double[] b, int[] bs, DoubleBinaryOperator op) {
    int[] out = broadcastShape(as, bs);
    int n = Tensor.numel(out);
    double[] r = new double[n];
    int[] idx = new int[out.length];
    for (int i = 0; i < n; i++) {
      r[i] = op.applyAsDouble(at(a, as, idx), at(b, bs, idx));
      for (int d = out.length - 1; d >= 0 && ++idx[d] == out[d]; d--) idx[d] = 0;
    }
    return r;
  }

  /** C[b] = A[b]·B[b] for row-major [batch, m, k] × [batch, k, n] (batch 1 broadcasts). */
  static double[] matmul(double[] a, double[] b, int batchA, int batchB, int m, int k, int n) {
    int batch = Math.max(batchA, batchB);
    double[] c = new double[batch * m * n];
    for (int t = 0; t < batch; t++) {
      int ao = (batchA == 1 ? 0 : t) * m * k, bo = (batchB == 1 ? 0 : t) * k * n;
      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) s += a[ao + i * k + p] * b[bo + p * n + j];
          c[t * m * n + i * n + j] = s;
        }
    }
    return c;
  }

  static double[] transposeLast2(double[] x, int batch, int rows, int cols) {
    double[] r = new double[x.length];
    for (int t = 0; t < batch; t++)
      for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) r[t * rows * cols + j * rows + i] = x[t * rows * cols + i * cols + j];
    return r;
  }

  static int index(int[] shape, int... idx) {
    return GradCheck.index(shape, idx);
  }
}
