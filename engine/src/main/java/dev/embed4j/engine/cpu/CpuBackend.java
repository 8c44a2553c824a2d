package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.gemm.GemmEpilogue;
import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;
import dev.embed4j.engine.cpu.gemm.PackedGemm;

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

  /**
   * After a call has written these storages (nulls allowed): bumps their versions, so a value derived from
   * the old contents (a packed weight) is not used again. After, not before: a reader that saw the new
   * version finds the writes done.
   */
  private static void written(Storage... outputs) {
    for (Storage s : outputs) if (s instanceof CpuStorage c) c.modified();
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
    written(dst);
  }

  @Override
  public void fill(Storage dst, int offset, int n, float value) {
    ElementwiseKernels.fill(f(dst), offset, n, value);
    written(dst);
  }

  @Override
  public void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n) {
    ElementwiseKernels.unary(op, param, f(x), xOffset, f(y), yOffset, n);
    written(y);
  }

  @Override
  public void geluWithDerivative(Storage x, Storage y, Storage d, int n) {
    ElementwiseKernels.geluWithDerivative(f(x), f(y), f(d), n);
    written(y, d);
  }

  @Override
  public void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n) {
    ElementwiseKernels.unaryBackward(op, param, f(x), f(y), f(gy), f(gx), n);
    written(gx);
  }

  @Override
  public void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset,
      int[] bStrides, Storage out, int[] shape) {
    StridedKernels.binary(op, param, f(a), aOffset, aStrides, f(b), bOffset, bStrides, f(out), shape);
    written(out);
  }

  @Override
  public void sumRows(Storage x, int rows, int cols, Storage out) {
    ReductionKernels.sumRows(f(x), rows, cols, f(out));
    written(out);
  }

  @Override
  public void sumColumns(Storage x, int rows, int cols, Storage out) {
    ReductionKernels.sumColumns(f(x), rows, cols, f(out));
    written(out);
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
    PackedGemm.PackedB packed = batch == 1 && kernel instanceof PackedGemm pg ? reusablePacking(pg, b, transB, bOffset,
        ldb, k, n) : null;
    if (packed != null) {
      ((PackedGemm) kernel).gemm(transA, m, alpha, fa, aOffset, lda, packed, beta, fc, cOffset, ldc);
      written(c);
      return;
    }
    // Many small problems (attention heads): one thread per group of whole problems, each call single-
    // threaded (the kernel runs inline inside the pool). Few big ones: one after another, each spread
    // over all threads, since splitting 3 problems over 2 threads would leave one idle a third of the time.
    boolean bigProblems = (long) m * n * k >= 1L << 22 && batch < 4 * Parallel.threads();
    if (batch == 1 || bigProblems) {
      for (int i = 0; i < batch; i++) {
        kernel.gemm(transA, transB, m, n, k, alpha, fa, (int) (aOffset + i * strideA), lda, fb,
            (int) (bOffset + i * strideB), ldb, beta, fc, (int) (cOffset + i * strideC), ldc);
      }
    } else {
      Parallel.forRange(batch, 1, (lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          kernel.gemm(transA, transB, m, n, k, alpha, fa, (int) (aOffset + i * strideA), lda, fb,
              (int) (bOffset + i * strideB), ldb, beta, fc, (int) (cOffset + i * strideC), ldc);
        }
      });
    }
    written(c);
  }

  /**
   * The bias and the activation run as the GEMM's epilogue ({@link GemmEpilogue}): each strip of 4 rows is finished
   * while it is still in L1, instead of in separate passes that read and write all of y again from memory
   * (for the encoder's intermediate layer, 2048 × 1536 floats a part). The same bits as the unfused ops.
   */
  @Override
  public void linear(Storage x, Storage w, Storage bias, int m, int k, int n, boolean gelu, Storage y, Storage d) {
    float[] fy = f(y), fb = f(bias), fd = d == null ? null : f(d);
    linearWithEpilogue(x, w, m, k, n, y, (row, rows, col, cols) -> ElementwiseKernels.biasActivation(fy, n, row, rows,
        col, cols, fb, gelu, fd));
    if (d != null) written(d);
  }

  /** The dropout and the residual add join the bias in the epilogue: the same bits as the three ops. */
  @Override
  public void linearDropoutAdd(Storage x, Storage w, Storage bias, int m, int k, int n, float p, long seed,
      Storage residual, Storage y) {
    float[] fy = f(y), fb = f(bias), fr = f(residual);
    linearWithEpilogue(x, w, m, k, n, y, (row, rows, col, cols) -> ElementwiseKernels.biasDropoutAdd(fy, n, row, rows,
        col, cols, fb, p, seed, fr));
  }

  /** y = x·Wᵀ ([m, k] times [n, k] transposed), then the epilogue on every strip of y as the GEMM finishes it. */
  private static void linearWithEpilogue(Storage x, Storage w, int m, int k, int n, Storage y, GemmEpilogue epilogue) {
    float[] fx = f(x), fw = f(w), fy = f(y);
    GemmKernel kernel = GemmKernels.active();
    if (kernel instanceof PackedGemm pg) {
      PackedGemm.PackedB packed = reusablePacking(pg, w, true, 0, k, k, n);
      if (packed != null) pg.gemm(false, m, 1f, fx, 0, k, packed, 0f, fy, 0, n, epilogue);
      else pg.gemm(false, true, m, n, k, 1f, fx, 0, k, fw, 0, k, 0f, fy, 0, n, epilogue);
    } else {
      kernel.gemm(false, true, m, n, k, 1f, fx, 0, k, fw, 0, k, 0f, fy, 0, n);
      Parallel.forRange(m, Math.max(1, ElementwiseKernels.GRAIN / Math.max(1, n)), (lo, hi) -> epilogue.apply(lo, hi - lo,
          0, n));
    }
    written(y);
  }

  /** Below this many elements of B a packing is cheap enough to redo (the fused QKV bias is 1,152). */
  static final long REUSE_MIN_ELEMENTS = 1L << 14;
  private static volatile boolean reuse = true;

  /**
   * Turns the reuse of packed GEMM operands on or off (default on) and returns the previous setting: for A/B
   * measurements in one process (the benchmarks' {@code TrainingThroughput alternate-reuse}). Results are the
   * same bits either way.
   */
  public static boolean reusePackings(boolean on) {
    boolean previous = reuse;
    reuse = on;
    return previous;
  }

  /**
   * The packing of op(B) to reuse for this GEMM, or null to pack as usual. A B whose storage is read a second
   * time with the same layout and unchanged contents (the same version) is packed whole and kept on the storage
   * until it is written: a weight, read by every batch (and by every part of one) until the optimiser updates
   * it. The first sighting only records itself, so a B read once (an activation) costs no extra packing or
   * memory. Each storage keeps one packing per transpose flag, the last one used.
   */
  private static PackedGemm.PackedB reusablePacking(PackedGemm kernel, Storage b, boolean transB, int offset, int ldb,
      int k, int n) {
    if (!reuse || (long) k * n < REUSE_MIN_ELEMENTS || !(b instanceof CpuStorage s)) return null;
    long version = s.version(); // read before the values: a write during the packing makes the entry stale
    if (s.derived(transB) instanceof Reuse r && r.version == version
        && r.packer == kernel && r.transB == transB && r.offset == offset && r.ldb == ldb && r.k == k && r.n == n) {
      if (r.packed != null) return r.packed;
      PackedGemm.PackedB p = kernel.pack(transB, s.data(), offset, ldb, k, n);
      s.derived(transB, new Reuse(version, kernel, transB, offset, ldb, k, n, p));
      return p;
    }
    s.derived(transB, new Reuse(version, kernel, transB, offset, ldb, k, n, null));
    return null;
  }

  /** A sighting of op(B) at one version, with its packing once it has been read twice. */
  private record Reuse(long version, PackedGemm packer, boolean transB, int offset, int ldb, int k, int n,
      PackedGemm.PackedB packed) {}

  @Override
  public void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
    SoftmaxKernels.softmax(f(x), f(y), rows, cols, log);
    written(y);
  }

  @Override
  public void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
    SoftmaxKernels.softmaxBackward(f(y), f(gy), f(gx), rows, cols, log);
    written(gx);
  }

  @Override
  public void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows, int cols,
      float eps) {
    LayerNormKernels.forward(f(x), f(gamma), f(beta), f(y), f(mean), f(rstd), rows, cols, eps);
    written(y, mean, rstd);
  }

  @Override
  public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx,
      Storage gGamma, Storage gBeta, int rows, int cols) {
    LayerNormKernels.backward(f(x), f(gamma), f(mean), f(rstd), f(gy), f(gx), f(gGamma), f(gBeta), rows, cols);
    written(gx, gGamma, gBeta);
  }

  @Override
  public void gather(Storage table, int dim, int[] ids, Storage out) {
    IndexKernels.gather(f(table), dim, ids, f(out));
    written(out);
  }

  @Override
  public void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable) {
    IndexKernels.scatterAdd(f(gOut), dim, ids, f(gTable));
    written(gTable);
  }

  @Override
  public void dropout(Storage x, Storage y, int n, float p, long seed) {
    ElementwiseKernels.dropout(f(x), f(y), n, p, seed);
    written(y);
  }

  @Override
  public void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols) {
    SoftmaxKernels.crossEntropy(f(logits), targets, f(logProb), f(loss), rows, cols);
    written(logProb, loss);
  }

  @Override
  public void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows, int cols) {
    SoftmaxKernels.crossEntropyBackward(f(logProb), targets, f(gLoss), f(gLogits), rows, cols);
    written(gLogits);
  }

  @Override
  public void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch, int heads,
      int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    FlashAttention.forward(f(q), f(k), f(v), f(keyMask), f(out), f(lse), batch, heads, seqQ, seqK, dim, scale, dropout,
        seed);
    written(out, lse);
  }

  @Override
  public void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, Storage gOut,
      Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim, float scale, float dropout,
      long seed) {
    FlashAttention.backward(f(q), f(k), f(v), f(keyMask), f(out), f(lse), f(gOut), f(gq), f(gk), f(gv), batch, heads,
        seqQ, seqK, dim, scale, dropout, seed);
    written(gq, gk, gv);
  }

  @Override
  public boolean hasQkvAttention() {
    return true;
  }

  @Override
  public void qkvAttention(Storage qkv, Storage keyMask, Storage out, Storage lse, int batch, int heads, int seq, int dim,
      float scale, float dropout, long seed) {
    int width = heads * dim;
    FlashAttention.Layout lo = FlashAttention.Layout.tokenMajor(0, seq, dim, width);
    float[] x = f(qkv);
    FlashAttention.forward(x, qkvPart(0, seq, dim, width), x, qkvPart(1, seq, dim, width), x, qkvPart(2, seq, dim, width),
        f(keyMask), f(out), lo, f(lse), batch, heads, seq, seq, dim, scale, dropout, seed);
    written(out, lse);
  }

  @Override
  public void qkvAttentionBackward(Storage qkv, Storage keyMask, Storage out, Storage lse, Storage gOut, Storage gQkv,
      int batch, int heads, int seq, int dim, float scale, float dropout, long seed) {
    int width = heads * dim;
    float[] x = f(qkv), g = f(gQkv);
    FlashAttention.backward(x, x, x, qkvPart(0, seq, dim, width), qkvPart(1, seq, dim, width), qkvPart(2, seq, dim, width),
        f(keyMask), f(out), f(gOut), FlashAttention.Layout.tokenMajor(0, seq, dim, width), f(lse), g, g, g, batch, heads,
        seq, seq, dim, scale, dropout, seed);
    written(gQkv);
  }

  /** Where the queries (part 0), keys (1) or values (2) lie in rows of a fused projection's output. */
  private static FlashAttention.Layout qkvPart(int part, int seq, int dim, int width) {
    return FlashAttention.Layout.tokenMajor(part * width, seq, dim, 3 * width);
  }

  @Override
  public void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2, float eps,
      float weightDecay, int step) {
    OptimizerKernels.adamW(f(param), f(grad), f(m), f(v), n, lr, beta1, beta2, eps, weightDecay, step);
    written(param, m, v);
  }

  @Override
  public void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum, float weightDecay,
      boolean firstStep) {
    OptimizerKernels.sgd(f(param), f(grad), f(momentumBuffer), n, lr, momentum, weightDecay, firstStep);
    written(param, momentumBuffer);
  }

  @Override
  public void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage colLse, Storage diag) {
    PairwiseLogSumExpKernel.forward(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart,
        hardEnd, hardPeriod, hardComplement, f(rowLse), f(colLse), f(diag));
    written(rowLse, colLse, diag);
  }

  @Override
  public void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse, Storage gDiag,
      Storage gA, Storage gB) {
    PairwiseLogSumExpKernel.backward(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart,
        hardEnd, hardPeriod, hardComplement, f(rowLse), f(colLse), f(gRowLse), f(gColLse), f(gDiag), f(gA), f(gB));
    written(gA, gB);
  }

  @Override
  public void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, Storage rowLse, Storage diag, Storage gA, Storage gB) {
    PairwiseLogSumExpKernel.forwardWithRowGradient(f(a), f(b), n, m, d, scale, maskStart, maskEnd, maskPeriod,
        hardness, hardStart, hardEnd, hardPeriod, hardComplement, f(rowLse), f(diag), f(gA), f(gB));
    written(rowLse, diag, gA, gB);
  }
}
