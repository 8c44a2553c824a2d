package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;

/**
 * The CPU backend: storages are {@code float[]} ({@link CpuStorage}), kernels are the Vector API classes
 * of this package, threads come from {@link Parallel}. Each method unwraps the arrays and calls one kernel.
 */
public final class CpuBackend implements Backend {
  public static final CpuBackend INSTANCE = new CpuBackend();

  private CpuBackend() {}

  static float[] f(Storage s) {
    if (s == null) return null;
    if (!(s instanceof CpuStorage c)) {
      throw new IllegalArgumentException("CPU backend given storage on " + s.device());
    }
    return c.data();
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public Storage allocate(long size) {
    if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("CPU tensors hold at most 2^31 - 9 floats, asked for " + size);
    return new CpuStorage(new float[(int) size]);
  }

  @Override
  public Storage upload(float[] host) {
    return new CpuStorage(host);
  }

  @Override
  public void download(Storage src, long offset, float[] dst, int dstOffset, int n) {
    System.arraycopy(f(src), (int) offset, dst, dstOffset, n);
  }

  @Override
  public void copy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape) {
    StridedKernels.copy(f(src), srcOffset, srcStrides, f(dst), dstOffset, dstStrides, shape);
  }

  @Override
  public void fill(Storage dst, int offset, int n, float value) {
    ElementwiseKernels.fill(f(dst), offset, n, value);
  }

  @Override
  public void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n) {
    ElementwiseKernels.unary(op, param, f(x), xOffset, f(y), yOffset, n);
  }

  @Override
  public void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n) {
    ElementwiseKernels.unaryBackward(op, param, f(x), f(y), f(gy), f(gx), n);
  }

  @Override
  public void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset,
      int[] bStrides, Storage out, int[] shape) {
    StridedKernels.binary(op, param, f(a), aOffset, aStrides, f(b), bOffset, bStrides, f(out), shape);
  }

  @Override
  public void sumRows(Storage x, int rows, int cols, Storage out) {
    ReductionKernels.sumRows(f(x), rows, cols, f(out));
  }

  @Override
  public void sumColumns(Storage x, int rows, int cols, Storage out) {
    ReductionKernels.sumColumns(f(x), rows, cols, f(out));
  }

  @Override
  public double sumOfSquares(Storage x, int offset, int n) {
    return ReductionKernels.sumOfSquares(f(x), offset, n);
  }

  @Override
  public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset,
      int lda, long strideA, Storage b, int bOffset, int ldb, long strideB, float beta, Storage c, int cOffset, int ldc,
      long strideC) {
    GemmKernel kernel = GemmKernels.active();
    float[] fa = f(a), fb = f(b), fc = f(c);
    // Many small problems (attention heads): one thread per group of whole problems, each call single-
    // threaded (the kernel runs inline inside the pool). Few big ones: one after another, each spread
    // over all threads, since splitting 3 problems over 2 threads would leave one idle a third of the time.
    boolean bigProblems = (long) m * n * k >= 1L << 22 && batch < 4 * Parallel.threads();
    if (batch == 1 || bigProblems) {
      for (int i = 0; i < batch; i++) {
        kernel.gemm(transA, transB, m, n, k, alpha, fa, (int) (aOffset + i * strideA), lda, fb,
            (int) (bOffset + i * strideB), ldb, beta, fc, (int) (cOffset + i * strideC), ldc);
      }
      return;
    }
    Parallel.forRange(batch, 1, (lo, hi) -> {
      for (int i = lo; i < hi; i++) {
        kernel.gemm(transA, transB, m, n, k, alpha, fa, (int) (aOffset + i * strideA), lda, fb,
            (int) (bOffset + i * strideB), ldb, beta, fc, (int) (cOffset + i * strideC), ldc);
      }
    });
  }

  @Override
  public void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
    SoftmaxKernels.softmax(f(x), f(y), rows, cols, log);
  }

  @Override
  public void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
    SoftmaxKernels.softmaxBackward(f(y), f(gy), f(gx), rows, cols, log);
  }

  @Override
  public void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows, int cols,
      float eps) {
    LayerNormKernels.forward(f(x), f(gamma), f(beta), f(y), f(mean), f(rstd), rows, cols, eps);
  }

  @Override
  public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx,
      Storage gGamma, Storage gBeta, int rows, int cols) {
    LayerNormKernels.backward(f(x), f(gamma), f(mean), f(rstd), f(gy), f(gx), f(gGamma), f(gBeta), rows, cols);
  }

  @Override
  public void gather(Storage table, int dim, int[] ids, Storage out) {
    IndexKernels.gather(f(table), dim, ids, f(out));
  }

  @Override
  public void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable) {
    IndexKernels.scatterAdd(f(gOut), dim, ids, f(gTable));
  }

  @Override
  public void dropout(Storage x, Storage y, int n, float p, long seed) {
    ElementwiseKernels.dropout(f(x), f(y), n, p, seed);
  }

  @Override
  public void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols) {
    SoftmaxKernels.crossEntropy(f(logits), targets, f(logProb), f(loss), rows, cols);
  }

  @Override
  public void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows, int cols) {
    SoftmaxKernels.crossEntropyBackward(f(logProb), targets, f(gLoss), f(gLogits), rows, cols);
  }

  @Override
  public void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch, int heads,
      int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    FlashAttention.forward(f(q), f(k), f(v), f(keyMask), f(out), f(lse), batch, heads, seqQ, seqK, dim, scale, dropout,
        seed);
  }

  @Override
  public void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, Storage gOut,
      Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim, float scale, float dropout,
      long seed) {
    FlashAttention.backward(f(q), f(k), f(v), f(keyMask), f(out), f(lse), f(gOut), f(gq), f(gk), f(gv), batch, heads,
        seqQ, seqK, dim, scale, dropout, seed);
  }

  @Override
  public void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2, float eps,
      float weightDecay, int step) {
    OptimizerKernels.adamW(f(param), f(grad), f(m), f(v), n, lr, beta1, beta2, eps, weightDecay, step);
  }

  @Override
  public void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum, float weightDecay,
      boolean firstStep) {
    OptimizerKernels.sgd(f(param), f(grad), f(momentumBuffer), n, lr, momentum, weightDecay, firstStep);
  }

  @Override
  public void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, Storage rowLse, Storage colLse, Storage diag) {
    PairwiseLogSumExpKernel.forward(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, f(rowLse), f(colLse),
        f(diag));
  }

  @Override
  public void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse, Storage gDiag,
      Storage gA, Storage gB) {
    PairwiseLogSumExpKernel.backward(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, f(rowLse), f(colLse),
        f(gRowLse), f(gColLse), f(gDiag), f(gA), f(gB));
  }

  @Override
  public void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, Storage rowLse, Storage diag, Storage gA, Storage gB) {
    PairwiseLogSumExpKernel.forwardWithRowGradient(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod,
        f(rowLse), f(diag), f(gA), f(gB));
  }
}
