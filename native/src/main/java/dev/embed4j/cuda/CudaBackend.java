package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;

/**
 * The {@link Backend} of one CUDA device: storages are blocks of a {@link CachingAllocator}, GEMMs go to
 * cuBLAS ({@link CublasGemm}), everything else to the NVRTC-compiled kernels of
 * {@code resources/dev/embed4j/cuda} ({@link NvrtcKernels}; each kernel's launch shape and shared memory
 * are documented beside its source). All work is issued on one non-blocking stream, in call order, so
 * nothing but a download waits for the device. Every native status is checked ({@link CudaStatus}).
 *
 * <p>Each op family has its class, as on the CPU side: {@link MemoryKernels}, {@link ElementwiseKernels},
 * {@link ReductionKernels}, {@link SoftmaxKernels}, {@link LayerNormKernels}, {@link IndexKernels},
 * {@link AttentionKernels}, {@link OptimizerKernels} and {@link PairwiseLogSumExpKernels}, over the device
 * state they share ({@link CudaContext}: stream, allocator, kernels, argument buffer, launch). This class
 * holds the thread-safety and dispatches.
 *
 * <p>Integer inputs (token ids, class targets) arrive as host {@code int[]}: each call copies them into a
 * device block from the allocator and hands the block back after the launch (reuse is stream-ordered).
 *
 * <p>Thread-safety: methods are synchronized (one stream, one argument buffer); a thread's first call binds
 * it to this device with cudaSetDevice, which also makes the device's primary context current for the
 * driver-API launches. {@code -Dembed4j.cuda.syncAfterLaunch=true} synchronises after every kernel so an
 * asynchronous fault is reported by the kernel that caused it (the tests turn it on).
 */
public final class CudaBackend implements Backend {
  private final CudaContext cuda;
  private final MemoryKernels memory;
  private final ElementwiseKernels elementwise;
  private final ReductionKernels reduction;
  private final SoftmaxKernels softmax;
  private final LayerNormKernels layerNorm;
  private final IndexKernels indexing;
  private final AttentionKernels attention;
  private final OptimizerKernels optimizer;
  private final PairwiseLogSumExpKernels pairwise;

  CudaBackend(int index) {
    this.cuda = new CudaContext(index, this::synchronize);
    this.memory = new MemoryKernels(cuda);
    this.elementwise = new ElementwiseKernels(cuda);
    this.reduction = new ReductionKernels(cuda);
    this.softmax = new SoftmaxKernels(cuda);
    this.layerNorm = new LayerNormKernels(cuda);
    this.indexing = new IndexKernels(cuda);
    this.attention = new AttentionKernels(cuda, memory);
    this.optimizer = new OptimizerKernels(cuda);
    this.pairwise = new PairwiseLogSumExpKernels(cuda);
  }

  // ---- device information and settings -------------------------------------------------------------------

  @Override
  public Device device() {
    return cuda.device;
  }

  /** The device's name, for example {@code NVIDIA H100 80GB HBM3}. */
  public String deviceName() {
    return cuda.name;
  }

  /** Compute capability as {@code major.minor}, for example {@code 9.0}. */
  public String computeCapability() {
    return cuda.major + "." + cuda.minor;
  }

  public synchronized MatmulPrecision matmulPrecision() {
    return cuda.blas.precision();
  }

  /** FP32 (exact, the default) or TF32 tensor-op math for every following GEMM on this device. */
  public synchronized void setMatmulPrecision(MatmulPrecision precision) {
    cuda.bind();
    cuda.blas.setPrecision(precision);
  }

  /** Synchronise after every kernel launch (slow; makes asynchronous errors point at their kernel). */
  public void setSyncAfterLaunch(boolean on) {
    cuda.syncAfterLaunch = on;
  }

  public DeviceMemoryStats memoryStats() {
    return cuda.allocator.stats();
  }

  public void resetPeakMemory() {
    cuda.allocator.resetPeak();
  }

  /** Frees the allocator's cached blocks back to the driver. */
  public synchronized void emptyCache() {
    cuda.bind();
    cuda.allocator.emptyCache();
  }

  /** Waits until everything issued so far has run. */
  public synchronized void synchronize() {
    cuda.bind();
    CudaStatus.runtime(cudaStreamSynchronize(cuda.stream), "cudaStreamSynchronize(cuda:" + cuda.index + ")");
  }

  /** Compiles every kernel file now, so that no NVRTC compile lands inside a measured call. */
  public synchronized void compileKernels() {
    cuda.bind();
    cuda.kernels.compileAll();
  }

  /**
   * Bytes of the one chunk of S = scale·A·Bᵀ the pairwise log-sum-exp holds (256 MiB by default,
   * {@code -Dembed4j.cuda.pairwiseChunkBytes}); tests force several chunks with a small value.
   */
  public synchronized void setPairwiseChunkBytes(long bytes) {
    pairwise.setPairwiseChunkBytes(bytes);
  }

  /** Rows of S per chunk for m columns. */
  int pairwiseChunkRows(int n, int m) {
    return pairwise.pairwiseChunkRows(n, m);
  }

  @Override
  public String toString() {
    return "CudaBackend[" + cuda.device + ", " + cuda.name + ", sm_" + cuda.major + cuda.minor + "]";
  }

  // ---- memory ---------------------------------------------------------------------------------------------

  @Override
  public synchronized Storage allocate(long size) {
    return memory.allocate(size);
  }

  @Override
  public synchronized Storage upload(float[] host) {
    return memory.upload(host);
  }

  @Override
  public synchronized void download(Storage src, long offset, float[] dst, int dstOffset, int n) {
    cuda.bind();
    memory.download(src, offset, dst, dstOffset, n);
  }

  @Override
  public synchronized void copy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides,
      int[] shape) {
    cuda.bind();
    memory.copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
  }

  @Override
  public synchronized void fill(Storage dst, int offset, int n, float value) {
    cuda.bind();
    memory.fill(dst, offset, n, value);
  }

  // ---- element-wise ---------------------------------------------------------------------------------------

  @Override
  public synchronized void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n) {
    cuda.bind();
    elementwise.unary(op, param, x, xOffset, y, yOffset, n);
  }

  @Override
  public synchronized void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n) {
    cuda.bind();
    elementwise.unaryBackward(op, param, x, y, gy, gx, n);
  }

  @Override
  public synchronized void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset,
      int[] bStrides, Storage out, int[] shape) {
    cuda.bind();
    elementwise.binary(op, param, a, aOffset, aStrides, b, bOffset, bStrides, out, shape);
  }

  @Override
  public synchronized void dropout(Storage x, Storage y, int n, float p, long seed) {
    cuda.bind();
    elementwise.dropout(x, y, n, p, seed);
  }

  // ---- reductions -----------------------------------------------------------------------------------------

  @Override
  public synchronized void sumRows(Storage x, int rows, int cols, Storage out) {
    cuda.bind();
    reduction.sumRows(x, rows, cols, out);
  }

  @Override
  public synchronized double sumOfSquares(Storage x, int offset, int n) {
    cuda.bind();
    return reduction.sumOfSquares(x, offset, n);
  }

  /**
   * Every range's partial sums and total on the device, each total into its own slot, then one copy of
   * all totals to the host and one synchronisation; summed on the host in the order given.
   */
  @Override
  public synchronized double sumOfSquares(Storage[] xs, int[] offsets, int[] counts) {
    cuda.bind();
    return reduction.sumOfSquares(xs, offsets, counts);
  }

  // ---- matrix products ------------------------------------------------------------------------------------

  @Override
  public synchronized void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a,
      int aOffset, int lda, long strideA, Storage b, int bOffset, int ldb, long strideB, float beta, Storage c, int cOffset,
      int ldc, long strideC) {
    cuda.bind();
    if (batch == 0 || m == 0 || n == 0) return;
    cuda.blas.gemm(batch, transA, transB, m, n, k, alpha, cuda.addr(a) + 4L * aOffset, lda, strideA,
        cuda.addr(b) + 4L * bOffset, ldb, strideB, beta, cuda.addr(c) + 4L * cOffset, ldc, strideC);
    if (cuda.syncAfterLaunch) cuda.synchronizeChecked("cuBLAS gemm");
  }

  // ---- normalisation and softmax --------------------------------------------------------------------------

  @Override
  public synchronized void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
    cuda.bind();
    softmax.softmax(x, y, rows, cols, log);
  }

  @Override
  public synchronized void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
    cuda.bind();
    softmax.softmaxBackward(y, gy, gx, rows, cols, log);
  }

  @Override
  public synchronized void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols) {
    cuda.bind();
    softmax.crossEntropy(logits, targets, logProb, loss, rows, cols);
  }

  @Override
  public synchronized void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows,
      int cols) {
    cuda.bind();
    softmax.crossEntropyBackward(logProb, targets, gLoss, gLogits, rows, cols);
  }

  @Override
  public synchronized void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows,
      int cols, float eps) {
    cuda.bind();
    layerNorm.layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, eps);
  }

  @Override
  public synchronized void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx,
      Storage gGamma, Storage gBeta, int rows, int cols) {
    cuda.bind();
    layerNorm.layerNormBackward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta, rows, cols);
  }

  // ---- indexing -------------------------------------------------------------------------------------------

  @Override
  public synchronized void gather(Storage table, int dim, int[] ids, Storage out) {
    cuda.bind();
    indexing.gather(table, dim, ids, out);
  }

  @Override
  public synchronized void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable) {
    cuda.bind();
    indexing.scatterAdd(gOut, dim, ids, gTable);
  }

  // ---- fused attention ------------------------------------------------------------------------------------

  @Override
  public synchronized void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch,
      int heads, int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    cuda.bind();
    attention.attention(q, k, v, keyMask, out, lse, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
  }

  @Override
  public synchronized void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse,
      Storage gOut, Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim, float scale,
      float dropout, long seed) {
    cuda.bind();
    attention.attentionBackward(q, k, v, keyMask, out, lse, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, scale, dropout,
        seed);
  }

  // ---- optimisers -----------------------------------------------------------------------------------------

  @Override
  public synchronized void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
      float eps, float weightDecay, int step) {
    cuda.bind();
    optimizer.adamW(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step);
  }

  @Override
  public synchronized void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum,
      float weightDecay, boolean firstStep) {
    cuda.bind();
    optimizer.sgd(param, grad, momentumBuffer, n, lr, momentum, weightDecay, firstStep);
  }

  // ---- fused pairwise log-sum-exp -------------------------------------------------------------------------

  @Override
  public synchronized void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement, Storage rowLse,
      Storage colLse, Storage diag) {
    cuda.bind();
    pairwise.pairwiseLogSumExp(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod, hardComplement,
        rowLse, colLse, diag);
  }

  @Override
  public synchronized void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale,
      int[] maskStart, int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse, Storage gDiag, Storage gA, Storage gB) {
    cuda.bind();
    pairwise.pairwiseLogSumExpBackward(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart,
        hardEnd, hardPeriod, hardComplement, rowLse, colLse, gRowLse, gColLse, gDiag, gA, gB);
  }

  /** Rows only with the gradients of Σ rowLse, from the same chunks: three GEMM-sized passes in all. */
  @Override
  public synchronized void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale,
      int[] maskStart, int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage diag, Storage gA, Storage gB) {
    cuda.bind();
    pairwise.pairwiseLogSumExpWithRowGradient(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness,
        hardStart, hardEnd, hardPeriod, hardComplement, rowLse, diag, gA, gB);
  }
}
