package dev.embed4j.engine.cpu.reference;

/** Scalar twins of the row-wise softmax, log-softmax and cross-entropy kernels, in double. */
public final class SoftmaxReference {
  private SoftmaxReference() {}

  public static void softmax(float[] x, float[] y, int rows, int cols, boolean log) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < cols; c++) max = Math.max(max, x[o + c]);
      double sum = 0;
      for (int c = 0; c < cols; c++) sum += Math.exp(x[o + c] - max);
      double lse = max + Math.log(sum);
      for (int c = 0; c < cols; c++) y[o + c] = (float) (log ? x[o + c] - lse : Math.exp(x[o + c] - lse));
    }
  }

  public static void softmaxBackward(float[] y, float[] gy, float[] gx, int rows, int cols, boolean log) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      double dot = 0;
      for (int c = 0; c < cols; c++) dot += log ? gy[o + c] : (double) gy[o + c] * y[o + c];
      for (int c = 0; c < cols; c++) {
        gx[o + c] = (float) (log ? gy[o + c] - Math.exp(y[o + c]) * dot : y[o + c] * (gy[o + c] - dot));
      }
    }
  }

  public static void crossEntropy(float[] logits, int[] targets, float[] logProb, float[] loss, int rows, int cols) {
    softmax(logits, logProb, rows, cols, true);
    for (int r = 0; r < rows; r++) loss[r] = -logProb[r * cols + targets[r]];
  }

  public static void crossEntropyBackward(float[] logProb, int[] targets, float[] gLoss, float[] gLogits, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double p = Math.exp(logProb[r * cols + c]);
        gLogits[r * cols + c] = (float) (gLoss[r] * (p - (c == targets[r] ? 1.0 : 0.0)));
      }
    }
  }
}
