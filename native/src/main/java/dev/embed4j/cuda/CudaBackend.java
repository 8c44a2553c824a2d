package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The {@link Backend} of one CUDA device: storages are blocks of a {@link CachingAllocator}, GEMMs go to
 * cuBLAS ({@link CublasGemm}), everything else to the NVRTC-compiled kernels of
 * {@code resources/dev/embed4j/cuda} ({@link NvrtcKernels}; each kernel's launch shape and shared memory
 * are documented beside its source). All work is issued on one non-blocking stream, in call order, so
 * nothing but a download waits for the device. Every native status is checked ({@link CudaStatus}).
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
  private static final int THREADS = 256;
  private static final int WARPS_PER_BLOCK = 8;
  /** The host staging buffer grows to this many floats (16 MB); larger copies go through it in chunks. */
  private static final int STAGING_MAX = 4 << 20;
  private static final int ATT_MAX_DIM = 128;

  private final int index;
  private final Device device;
  private final String name;
  private final int major, minor, multiprocessors;
  private final long sharedOptin;
  private final CUstream_st stream = new CUstream_st();
  private final CachingAllocator allocator;
  private final NvrtcKernels kernels;
  private final CublasGemm blas;
  private final KernelArgs args = new KernelArgs();
  private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);
  private volatile boolean syncAfterLaunch = Boolean.getBoolean("embed4j.cuda.syncAfterLaunch");
  private FloatPointer floatStaging = new FloatPointer(1024);
  private IntPointer intStaging = new IntPointer(1024);
  private final DoublePointer doubleStaging = new DoublePointer(1);

  CudaBackend(int index) {
    this.index = index;
    this.device = Device.cuda(index);
    CudaStatus.runtime(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
    bound.set(true);
    CudaStatus.runtime(cudaFree(null), "cudaFree(null) (creating the primary context of cuda:" + index + ")");
    cudaDeviceProp p = new cudaDeviceProp();
    CudaStatus.runtime(cudaGetDeviceProperties(p, index), "cudaGetDeviceProperties(" + index + ")");
    String n = p.name().getString(); // a char[256] field: cut at its terminating NUL
    this.name = n.indexOf('\0') >= 0 ? n.substring(0, n.indexOf('\0')) : n;
    this.major = p.major();
    this.minor = p.minor();
    this.multiprocessors = p.multiProcessorCount();
    this.sharedOptin = p.sharedMemPerBlockOptin();
    p.close();
    CudaStatus.runtime(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    this.allocator = new CachingAllocator(this::synchronize);
    this.kernels = new NvrtcKernels("sm_" + major + minor);
    this.blas = new CublasGemm(stream, MatmulPrecision.fromSystemProperty());
  }

  // ---- device information and settings -------------------------------------------------------------------

  @Override
  public Device device() {
    return device;
  }

  /** The device's name, for example {@code NVIDIA H100 80GB HBM3}. */
  public String deviceName() {
    return name;
  }

  /** Compute capability as {@code major.minor}, for example {@code 9.0}. */
  public String computeCapability() {
    return major + "." + minor;
  }

  public synchronized MatmulPrecision matmulPrecision() {
    return blas.precision();
  }

  /** FP32 (exact, the default) or TF32 tensor-op math for every following GEMM on this device. */
  public synchronized void setMatmulPrecision(MatmulPrecision precision) {
    bind();
    blas.setPrecision(precision);
  }

  /** Synchronise after every kernel launch (slow; makes asynchronous errors point at their kernel). */
  public void setSyncAfterLaunch(boolean on) {
    syncAfterLaunch = on;
  }

  public DeviceMemoryStats memoryStats() {
    return allocator.stats();
  }

  public void resetPeakMemory() {
    allocator.resetPeak();
  }

  /** Frees the allocator's cached blocks back to the driver. */
  public synchronized void emptyCache() {
    bind();
    allocator.emptyCache();
  }

  /** Waits until everything issued so far has run. */
  public synchronized void synchronize() {
    bind();
    CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize(cuda:" + index + ")");
  }

  /** Compiles every kernel file now, so that no NVRTC compile lands inside a measured call. */
  public synchronized void compileKernels() {
    bind();
    kernels.compileAll();
  }

  @Override
  public String toString() {
    return "CudaBackend[" + device + ", " + name + ", sm_" + major + minor + "]";
  }

  // ---- memory ---------------------------------------------------------------------------------------------

  @Override
  public synchronized Storage allocate(long size) {
    CudaStorage s = newStorage(size);
    if (size > 0) {
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(s.address()), 0, 4 * size, stream),
          "cudaMemsetAsync(" + 4 * size + " bytes)");
    }
    return s;
  }

  @Override
  public synchronized Storage upload(float[] host) {
    CudaStorage s = newStorage(host.length);
    copyToDevice(host, 0, s.address(), host.length);
    return s;
  }

  @Override
  public synchronized void download(Storage src, long offset, float[] dst, int dstOffset, int n) {
    bind();
    long base = addr(src) + 4 * offset;
    for (int done = 0; done < n; ) {
      int len = Math.min(n - done, STAGING_MAX);
      FloatPointer stage = floatStaging(len);
      CudaStatus.runtime(cudaMemcpyAsync(stage, new DevicePointer(base + 4L * done), 4L * len, cudaMemcpyDeviceToHost,
          stream), "cudaMemcpyAsync(device to host, " + 4L * len + " bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize (download of " + n + " floats)");
      stage.get(dst, dstOffset + done, len);
      done += len;
    }
  }

  @Override
  public synchronized void copy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides,
      int[] shape) {
    bind();
    StridedLayout l = StridedLayout.of(shape, srcStrides, dstStrides);
    long n = l.numel();
    if (n == 0) return;
    long s = addr(src) + 4L * srcOffset, d = addr(dst) + 4L * dstOffset;
    if (l.bothContiguous()) {
      CudaStatus.runtime(cudaMemcpyAsync(new DevicePointer(d), new DevicePointer(s), 4 * n, cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync(device to device, " + 4 * n + " bytes)");
      return;
    }
    stridedLaunch(l, s, d, (inner, a0, a1, count) -> {
      NvrtcKernels.Kernel k = kernel("elementwise.cu", "e4j_copy");
      args.begin().ptr(a0).ptr(a1).strided(inner.shape(), inner.s0(), inner.s1()).i32(count);
      launch(k, blocks(count), THREADS);
    });
  }

  @Override
  public synchronized void fill(Storage dst, int offset, int n, float value) {
    bind();
    if (n == 0) return;
    long d = addr(dst) + 4L * offset;
    if (Float.floatToRawIntBits(value) == 0) {
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(d), 0, 4L * n, stream), "cudaMemsetAsync(" + 4L * n + " bytes)");
      return;
    }
    args.begin().ptr(d).i32(n).f32(value);
    launch(kernel("elementwise.cu", "e4j_fill"), blocks(n), THREADS);
  }

  // ---- element-wise ---------------------------------------------------------------------------------------

  /** The op numbers of elementwise.cu; spelled out rather than ordinal() so reordering the enum is harmless. */
  static int code(UnaryOp op) {
    return switch (op) {
      case EXP -> 0;
      case LOG -> 1;
      case SQRT -> 2;
      case NEG -> 3;
      case TANH -> 4;
      case GELU -> 5;
      case POW -> 6;
      case SCALE -> 7;
      case ADD_SCALAR -> 8;
      case RELU -> 9;
    };
  }

  static int code(BinaryOp op) {
    return switch (op) {
      case ADD -> 0;
      case SUB -> 1;
      case MUL -> 2;
      case DIV -> 3;
      case MASK_FILL -> 4;
    };
  }

  @Override
  public synchronized void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n) {
    bind();
    if (n == 0) return;
    args.begin().i32(code(op)).f32(param).ptr(addr(x) + 4L * xOffset).ptr(addr(y) + 4L * yOffset).i32(n);
    launch(kernel("elementwise.cu", "e4j_unary"), blocks(n), THREADS);
  }

  @Override
  public synchronized void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n) {
    bind();
    if (n == 0) return;
    args.begin().i32(code(op)).f32(param).ptr(addr(x)).ptr(addr(y)).ptr(addr(gy)).ptr(addr(gx)).i32(n);
    launch(kernel("elementwise.cu", "e4j_unary_backward"), blocks(n), THREADS);
  }

  @Override
  public synchronized void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset,
      int[] bStrides, Storage out, int[] shape) {
    bind();
    StridedLayout l = StridedLayout.of(shape, aStrides, bStrides);
    if (l.numel() == 0) return;
    long pa = addr(a) + 4L * aOffset, pb = addr(b) + 4L * bOffset, po = addr(out);
    int opCode = code(op);
    stridedLaunch(l, pa, pb, (inner, a0, a1, count) -> {
      NvrtcKernels.Kernel k = kernel("elementwise.cu", "e4j_binary");
      args.begin().i32(opCode).f32(param).ptr(a0).ptr(a1).ptr(po + 4L * inner.outOffset())
          .strided(inner.shape(), inner.s0(), inner.s1()).i32(count);
      launch(k, blocks(count), THREADS);
    });
  }

  @Override
  public synchronized void sumRows(Storage x, int rows, int cols, Storage out) {
    bind();
    if (rows == 0) return;
    long px = addr(x), po = addr(out);
    if (cols <= 8192 || rows >= multiprocessors * 4) {
      sumRowsWarp(px, po, rows, cols);
      return;
    }
    // few long rows: split each row over blocks, then add the pieces
    int splits = (int) Math.min((cols + 4095L) / 4096, 1024);
    CachingAllocator.Block partial = allocator.allocate(4L * rows * splits);
    try {
      args.begin().ptr(px).ptr(partial.address()).i32(rows).i32(cols).i32(splits);
      launch(kernel("reduce.cu", "e4j_sum_rows_partial"), rows * splits, THREADS);
      sumRowsWarp(partial.address(), po, rows, splits);
    } finally {
      allocator.free(partial);
    }
  }

  private void sumRowsWarp(long px, long po, int rows, int cols) {
    args.begin().ptr(px).ptr(po).i32(rows).i32(cols);
    launch(kernel("reduce.cu", "e4j_sum_rows_warp"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  @Override
  public synchronized double sumOfSquares(Storage x, int offset, int n) {
    bind();
    if (n == 0) return 0.0;
    int grid = (int) Math.min((n + THREADS - 1L) / THREADS, 1024);
    CachingAllocator.Block partial = allocator.allocate(8L * grid + 8);
    try {
      long out = partial.address() + 8L * grid;
      args.begin().ptr(addr(x) + 4L * offset).i32(n).ptr(partial.address());
      launch(kernel("reduce.cu", "e4j_sum_squares_partial"), grid, THREADS);
      args.begin().ptr(partial.address()).i32(grid).ptr(out);
      launch(kernel("reduce.cu", "e4j_sum_squares_final"), 1, THREADS);
      CudaStatus.runtime(cudaMemcpyAsync(doubleStaging, new DevicePointer(out), 8, cudaMemcpyDeviceToHost, stream),
          "cudaMemcpyAsync(device to host, 8 bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize (sumOfSquares)");
      return doubleStaging.get();
    } finally {
      allocator.free(partial);
    }
  }

  /**
   * Every range's partial sums and total on the device, each total into its own slot, then one copy of
   * all totals to the host and one synchronisation; summed on the host in the order given.
   */
  @Override
  public synchronized double sumOfSquares(Storage[] xs, int[] offsets, int[] counts) {
    bind();
    int k = xs.length;
    if (k == 0) return 0.0;
    int maxGrid = 1;
    for (int c : counts) maxGrid = (int) Math.max(maxGrid, Math.min((c + THREADS - 1L) / THREADS, 1024));
    CachingAllocator.Block scratch = allocator.allocate(8L * maxGrid + 8L * k);
    DoublePointer totals = new DoublePointer(k);
    try {
      long out = scratch.address() + 8L * maxGrid;
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(out), 0, 8L * k, stream), "cudaMemsetAsync(" + 8L * k + " bytes)");
      for (int i = 0; i < k; i++) {
        if (counts[i] == 0) continue;
        int grid = (int) Math.min((counts[i] + THREADS - 1L) / THREADS, 1024);
        args.begin().ptr(addr(xs[i]) + 4L * offsets[i]).i32(counts[i]).ptr(scratch.address());
        launch(kernel("reduce.cu", "e4j_sum_squares_partial"), grid, THREADS);
        args.begin().ptr(scratch.address()).i32(grid).ptr(out + 8L * i);
        launch(kernel("reduce.cu", "e4j_sum_squares_final"), 1, THREADS);
      }
      CudaStatus.runtime(cudaMemcpyAsync(totals, new DevicePointer(out), 8L * k, cudaMemcpyDeviceToHost, stream),
          "cudaMemcpyAsync(device to host, " + 8L * k + " bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize (sumOfSquares of " + k + " ranges)");
      double sum = 0;
      for (int i = 0; i < k; i++) sum += totals.get(i);
      return sum;
    } finally {
      totals.close();
      allocator.free(scratch);
    }
  }

  // ---- matrix products ------------------------------------------------------------------------------------

  @Override
  public synchronized void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a,
      int aOffset, int lda, long strideA, Storage b, int bOffset, int ldb, long strideB, float beta, Storage c, int cOffset,
      int ldc, long strideC) {
    bind();
    if (batch == 0 || m == 0 || n == 0) return;
    blas.gemm(batch, transA, transB, m, n, k, alpha, addr(a) + 4L * aOffset, lda, strideA, addr(b) + 4L * bOffset, ldb,
        strideB, beta, addr(c) + 4L * cOffset, ldc, strideC);
    if (syncAfterLaunch) synchronizeChecked("cuBLAS gemm");
  }

  // ---- normalisation and softmax --------------------------------------------------------------------------

  @Override
  public synchronized void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
    bind();
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(addr(x)).ptr(addr(y)).i32(rows).i32(cols).i32(log ? 1 : 0);
    launch(kernel("softmax.cu", "e4j_softmax"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  @Override
  public synchronized void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
    bind();
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(addr(y)).ptr(addr(gy)).ptr(addr(gx)).i32(rows).i32(cols).i32(log ? 1 : 0);
    launch(kernel("softmax.cu", "e4j_softmax_backward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  @Override
  public synchronized void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows,
      int cols, float eps) {
    bind();
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(addr(x)).ptr(addr(gamma)).ptr(addr(beta)).ptr(addr(y)).ptr(addr(mean)).ptr(addr(rstd))
        .i32(rows).i32(cols).f32(eps);
    launch(kernel("layernorm.cu", "e4j_layernorm_forward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  @Override
  public synchronized void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx,
      Storage gGamma, Storage gBeta, int rows, int cols) {
    bind();
    if (rows == 0 || cols == 0) return;
    long px = addr(x), pm = addr(mean), pr = addr(rstd), pgy = addr(gy);
    args.begin().ptr(px).ptr(addr(gamma)).ptr(pm).ptr(pr).ptr(pgy).ptr(addr(gx)).i32(rows).i32(cols);
    launch(kernel("layernorm.cu", "e4j_layernorm_backward_dx"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    if (gGamma == null && gBeta == null) return;
    // column sums in two deterministic passes: 32-column x row-chunk blocks, then one thread a column
    int chunks = Math.min(256, ceilDiv(rows, 32));
    CachingAllocator.Block partial = allocator.allocate(8L * chunks * cols);
    try {
      long pg = partial.address(), pb = pg + 4L * chunks * cols;
      args.begin().ptr(px).ptr(pm).ptr(pr).ptr(pgy).ptr(pg).ptr(pb).i32(rows).i32(cols);
      launch(kernel("layernorm.cu", "e4j_layernorm_backward_params_partial"), ceilDiv(cols, 32), chunks, 32, 8, 0);
      args.begin().ptr(pg).ptr(pb).ptr(gGamma == null ? 0L : addr(gGamma)).ptr(gBeta == null ? 0L : addr(gBeta))
          .i32(cols).i32(chunks);
      launch(kernel("layernorm.cu", "e4j_layernorm_backward_params_final"), ceilDiv(cols, THREADS), THREADS);
    } finally {
      allocator.free(partial);
    }
  }

  // ---- indexing -------------------------------------------------------------------------------------------

  @Override
  public synchronized void gather(Storage table, int dim, int[] ids, Storage out) {
    bind();
    if (ids.length == 0 || dim == 0) return;
    CachingAllocator.Block dIds = uploadInts(ids);
    try {
      args.begin().ptr(addr(table)).ptr(dIds.address()).ptr(addr(out)).i32(ids.length).i32(dim);
      launch(kernel("embedding.cu", "e4j_gather"), blocks((long) ids.length * dim), THREADS);
    } finally {
      allocator.free(dIds);
    }
  }

  @Override
  public synchronized void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable) {
    bind();
    if (ids.length == 0 || dim == 0) return;
    CachingAllocator.Block dIds = uploadInts(ids);
    try {
      args.begin().ptr(addr(gOut)).ptr(dIds.address()).ptr(addr(gTable)).i32(ids.length).i32(dim);
      launch(kernel("embedding.cu", "e4j_scatter_add"), blocks((long) ids.length * dim), THREADS);
    } finally {
      allocator.free(dIds);
    }
  }

  @Override
  public synchronized void dropout(Storage x, Storage y, int n, float p, long seed) {
    bind();
    if (n == 0) return;
    float scale = 1f / (1f - p); // in float, as the CPU computes it, so the values match bit for bit
    args.begin().ptr(addr(x)).ptr(addr(y)).i32(n).f32(p).f32(scale).u64(seed);
    launch(kernel("elementwise.cu", "e4j_dropout"), blocks(n), THREADS);
  }

  @Override
  public synchronized void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols) {
    bind();
    if (rows == 0) return;
    CachingAllocator.Block dT = uploadInts(targets);
    try {
      args.begin().ptr(addr(logits)).ptr(dT.address()).ptr(addr(logProb)).ptr(addr(loss)).i32(rows).i32(cols);
      launch(kernel("softmax.cu", "e4j_cross_entropy"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    } finally {
      allocator.free(dT);
    }
  }

  @Override
  public synchronized void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows,
      int cols) {
    bind();
    if (rows == 0) return;
    CachingAllocator.Block dT = uploadInts(targets);
    try {
      args.begin().ptr(addr(logProb)).ptr(dT.address()).ptr(addr(gLoss)).ptr(addr(gLogits)).i32(rows).i32(cols);
      launch(kernel("softmax.cu", "e4j_cross_entropy_backward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    } finally {
      allocator.free(dT);
    }
  }

  // ---- fused attention ------------------------------------------------------------------------------------

  @Override
  public synchronized void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch,
      int heads, int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    bind();
    checkAttentionDim(dim);
    if (batch == 0 || heads == 0 || seqQ == 0) return;
    int ld = dim + 1;
    int shared = 4 * (32 * ld + 2 * 64 * ld + 32 * 65);
    NvrtcKernels.Kernel kf = attentionKernel("e4j_attention_forward", shared);
    args.begin().ptr(addr(q)).ptr(addr(k)).ptr(addr(v)).ptr(keyMask == null ? 0L : addr(keyMask)).ptr(addr(out))
        .ptr(addr(lse)).i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout).f32(dropScale(dropout)).u64(seed);
    launch(kf, batch * heads, ceilDiv(seqQ, 32), 128, 1, shared);
  }

  @Override
  public synchronized void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse,
      Storage gOut, Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim, float scale,
      float dropout, long seed) {
    bind();
    checkAttentionDim(dim);
    if (batch == 0 || heads == 0) return;
    long pq = addr(q), pk = addr(k), pv = addr(v), pm = keyMask == null ? 0L : addr(keyMask), pl = addr(lse);
    long pgo = addr(gOut);
    int rows = batch * heads * seqQ;
    if (rows == 0 || dim == 0) { // no query rows: nothing flows back into K and V
      if (seqK > 0 && dim > 0) {
        fill(gk, 0, batch * heads * seqK * dim, 0f);
        fill(gv, 0, batch * heads * seqK * dim, 0f);
      }
      return;
    }
    CachingAllocator.Block delta = allocator.allocate(4L * rows);
    try {
      args.begin().ptr(addr(out)).ptr(pgo).ptr(delta.address()).i32(rows).i32(dim);
      launch(kernel("attention.cu", "e4j_attention_delta"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
      int ld = dim + 1;
      if (seqK > 0) {
        int sharedKv = 4 * (4 * 32 * ld + 2 * 32 * 33 + 2 * 32);
        NvrtcKernels.Kernel kkv = attentionKernel("e4j_attention_backward_kv", sharedKv);
        args.begin().ptr(pq).ptr(pk).ptr(pv).ptr(pm).ptr(pl).ptr(delta.address()).ptr(pgo).ptr(addr(gk)).ptr(addr(gv))
            .i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout).f32(dropScale(dropout)).u64(seed);
        launch(kkv, batch * heads, ceilDiv(seqK, 32), 128, 1, sharedKv);
      }
      int sharedQ = 4 * (4 * 32 * ld + 32 * 33 + 32);
      NvrtcKernels.Kernel kq = attentionKernel("e4j_attention_backward_q", sharedQ);
      args.begin().ptr(pq).ptr(pk).ptr(pv).ptr(pm).ptr(pl).ptr(delta.address()).ptr(pgo).ptr(addr(gq))
          .i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout).f32(dropScale(dropout)).u64(seed);
      launch(kq, batch * heads, ceilDiv(seqQ, 32), 128, 1, sharedQ);
    } finally {
      allocator.free(delta);
    }
  }

  /** 1f / (1f − p) in float, as the CPU kernels compute it, so kept values match bit for bit. */
  private static float dropScale(float p) {
    if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("attention dropout rate must be in [0, 1), got " + p);
    return 1f / (1f - p);
  }

  private static void checkAttentionDim(int dim) {
    if (dim > ATT_MAX_DIM) {
      throw new UnsupportedOperationException("CUDA attention supports head dims up to " + ATT_MAX_DIM + ", got " + dim
          + "; split the heads further or run attention on the CPU");
    }
  }

  private NvrtcKernels.Kernel attentionKernel(String function, int sharedBytes) {
    if (sharedBytes > sharedOptin) {
      throw new UnsupportedOperationException(function + " needs " + sharedBytes + " bytes of shared memory a block, "
          + name + " allows " + sharedOptin);
    }
    NvrtcKernels.Kernel k = kernel("attention.cu", function);
    k.allowShared(sharedBytes);
    return k;
  }

  // ---- optimisers -----------------------------------------------------------------------------------------

  @Override
  public synchronized void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
      float eps, float weightDecay, int step) {
    bind();
    if (n == 0) return;
    double bc1 = 1.0 - Math.pow(beta1, step), bc2 = 1.0 - Math.pow(beta2, step);
    args.begin().ptr(addr(param)).ptr(addr(grad)).ptr(addr(m)).ptr(addr(v)).i32(n).f32(lr).f32(beta1).f32(beta2).f32(eps)
        .f32(weightDecay).f64(bc1).f64(bc2);
    launch(kernel("optimizer.cu", "e4j_adamw"), blocks(n), THREADS);
  }

  @Override
  public synchronized void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum,
      float weightDecay, boolean firstStep) {
    bind();
    if (n == 0) return;
    args.begin().ptr(addr(param)).ptr(addr(grad)).ptr(momentumBuffer == null ? 0L : addr(momentumBuffer)).i32(n).f32(lr)
        .f32(momentum).f32(weightDecay).i32(firstStep ? 1 : 0);
    launch(kernel("optimizer.cu", "e4j_sgd"), blocks(n), THREADS);
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  /** Binds the calling thread to this device once (cudaSetDevice also makes its primary context current). */
  private void bind() {
    if (!bound.get()) {
      CudaStatus.runtime(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
      bound.set(true);
    }
  }

  private CudaStorage newStorage(long size) {
    bind();
    if (size < 0) throw new IllegalArgumentException("negative storage size " + size);
    return new CudaStorage(device, size, allocator, allocator.allocate(4 * size));
  }

  /** The device address of a storage of this device. */
  private long addr(Storage s) {
    if (!(s instanceof CudaStorage c)) {
      throw new IllegalArgumentException("CUDA backend of " + device + " given storage on " + (s == null ? "null" : s.device()));
    }
    if (!c.device().equals(device)) {
      throw new IllegalArgumentException("CUDA backend of " + device + " given storage on " + c.device());
    }
    return c.address();
  }

  private NvrtcKernels.Kernel kernel(String file, String function) {
    return kernels.get(file, function);
  }

  private void launch(NvrtcKernels.Kernel k, int gridX, int blockX) {
    launch(k, gridX, 1, blockX, 1, 0);
  }

  private void launch(NvrtcKernels.Kernel k, int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
    CudaStatus.driver(cuLaunchKernel(k.handle, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, stream, args.pointers(),
        (PointerPointer<?>) null), "cuLaunchKernel(" + k.name + ", grid " + gridX + "x" + gridY + ", block " + blockX + "x" + blockY
        + ", " + sharedBytes + " bytes shared)");
    if (syncAfterLaunch) synchronizeChecked(k.name);
  }

  private void synchronizeChecked(String what) {
    CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize after " + what);
  }

  /** Grid of a grid-stride element-wise kernel: enough blocks to fill the device, no more. */
  private int blocks(long n) {
    return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, multiprocessors * 32L));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private FloatPointer floatStaging(int n) {
    if (floatStaging.capacity() < n) {
      floatStaging.close();
      floatStaging = new FloatPointer(Math.max(n, Math.min(STAGING_MAX, 2L * floatStaging.capacity())));
    }
    return floatStaging;
  }

  private void copyToDevice(float[] host, int from, long device, int n) {
    for (int done = 0; done < n; ) {
      int len = Math.min(n - done, STAGING_MAX);
      FloatPointer stage = floatStaging(len);
      stage.put(host, from + done, len);
      // from pageable memory: returns once the data is staged, so the buffer may be refilled at once
      CudaStatus.runtime(cudaMemcpyAsync(new DevicePointer(device + 4L * done), stage, 4L * len, cudaMemcpyHostToDevice,
          stream), "cudaMemcpyAsync(host to device, " + 4L * len + " bytes)");
      done += len;
    }
  }

  private CachingAllocator.Block uploadInts(int[] host) {
    CachingAllocator.Block b = allocator.allocate(4L * host.length);
    if (intStaging.capacity() < host.length) {
      intStaging.close();
      intStaging = new IntPointer(Math.max(host.length, 2L * intStaging.capacity()));
    }
    intStaging.put(host, 0, host.length);
    CudaStatus.runtime(cudaMemcpyAsync(new DevicePointer(b.address()), intStaging, 4L * host.length, cudaMemcpyHostToDevice,
        stream), "cudaMemcpyAsync(host to device, " + host.length + " ints)");
    return b;
  }

  /** One launch of a strided kernel over the inner (at most 8) axes of a layout. */
  private interface StridedBody {
    void run(Inner inner, long a0, long a1, int count);
  }

  /** The inner axes of a layout and where their contiguous output starts. */
  private record Inner(int[] shape, int[] s0, int[] s1, long outOffset) {}

  /**
   * Runs {@code body} over a layout of any rank: up to 8 axes in one launch; beyond that, one launch per
   * index of the outer axes (layouts that survive merging with more than 8 axes do not occur in practice).
   */
  private void stridedLaunch(StridedLayout l, long base0, long base1, StridedBody body) {
    int rank = l.rank(), inner = Math.min(rank, KernelArgs.MAX_DIMS), outer = rank - inner;
    int[] ish = java.util.Arrays.copyOfRange(l.shape(), outer, rank);
    int[] i0 = java.util.Arrays.copyOfRange(l.s0(), outer, rank), i1 = java.util.Arrays.copyOfRange(l.s1(), outer, rank);
    long innerCount = 1;
    for (int s : ish) innerCount *= s;
    if (innerCount > Integer.MAX_VALUE) throw new IllegalArgumentException("strided op over more than 2^31 elements");
    int[] idx = new int[outer];
    long outerCount = l.numel() / innerCount;
    for (long o = 0; o < outerCount; o++) {
      long off0 = 0, off1 = 0;
      for (int d = 0; d < outer; d++) {
        off0 += (long) idx[d] * l.s0()[d];
        off1 += (long) idx[d] * l.s1()[d];
      }
      body.run(new Inner(ish, i0, i1, o * innerCount), base0 + 4 * off0, base1 + 4 * off1, (int) innerCount);
      for (int d = outer - 1; d >= 0 && ++idx[d] == l.shape()[d]; d--) idx[d] = 0;
    }
  }

  // ---- fused pairwise log-sum-exp -------------------------------------------------------------------------

  /**
   * Bytes of the one chunk of S the pairwise op holds: cuBLAS writes rows × m of scale·A·Bᵀ at a time
   * (rows = this / (4m), at least 1), kernels of {@code pairwise.cu} reduce it or turn it into the gradient
   * in place, and cuBLAS takes the gradient products from there. 256 MiB by default
   * ({@code -Dembed4j.cuda.pairwiseChunkBytes}): 1,024 rows at m = 65,536.
   */
  private long pairwiseChunkBytes = Long.getLong("embed4j.cuda.pairwiseChunkBytes", 256L << 20);

  /** Sets {@link #pairwiseChunkBytes} (tests force several chunks with a small value). */
  public synchronized void setPairwiseChunkBytes(long bytes) {
    if (bytes < 4) throw new IllegalArgumentException("pairwise chunk of " + bytes + " bytes");
    pairwiseChunkBytes = bytes;
  }

  /** Rows of S per chunk for m columns. */
  int pairwiseChunkRows(int n, int m) {
    return (int) Math.max(1, Math.min(n, pairwiseChunkBytes / (4L * Math.max(1, m))));
  }

  @Override
  public synchronized void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, Storage rowLse, Storage colLse, Storage diag) {
    bind();
    PairwiseChunks.forward(pairOps, addr(a), addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, addr(rowLse),
        colLse == null ? 0 : addr(colLse), addr(diag), pairwiseChunkRows(n, m));
  }

  @Override
  public synchronized void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale,
      int[] maskStart, int[] maskEnd, int maskPeriod, Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse,
      Storage gDiag, Storage gA, Storage gB) {
    bind();
    PairwiseChunks.gradient(pairOps, addr(a), addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, 0, addr(rowLse),
        orZero(gRowLse), 0f, orZero(colLse), orZero(gColLse), orZero(gDiag), addr(gA), addr(gB), pairwiseChunkRows(n, m));
  }

  /** Rows only with the gradients of Σ rowLse, from the same chunks: three GEMM-sized passes in all. */
  @Override
  public synchronized void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale,
      int[] maskStart, int[] maskEnd, int maskPeriod, Storage rowLse, Storage diag, Storage gA, Storage gB) {
    bind();
    PairwiseChunks.gradient(pairOps, addr(a), addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod, addr(diag),
        addr(rowLse), 0, 1f, 0, 0, 0, addr(gA), addr(gB), pairwiseChunkRows(n, m));
  }

  private long orZero(Storage s) {
    return s == null ? 0 : addr(s);
  }

  /** {@link PairwiseChunks}' operations on this device: addresses in bytes, kernels of pairwise.cu. */
  private final PairwiseChunks.Ops pairOps = new PairwiseChunks.Ops() {
    private final java.util.Map<Long, CachingAllocator.Block> blocks = new java.util.HashMap<>();

    @Override
    public long at(long pointer, long floats) {
      return pointer + 4 * floats;
    }

    @Override
    public long allocate(long floats) {
      CachingAllocator.Block blk = allocator.allocate(4 * floats);
      blocks.put(blk.address(), blk);
      return blk.address();
    }

    @Override
    public void free(long pointer) {
      allocator.free(blocks.remove(pointer));
    }

    @Override
    public PairwiseChunks.Mask uploadMask(int[] start, int[] end, int n, int period) {
      if (start == null) return PairwiseChunks.Mask.NONE;
      if (start.length < n || end == null || end.length < n) {
        throw new IllegalArgumentException("pairwiseLogSumExp: mask arrays of " + start.length + " and "
            + (end == null ? "no" : end.length) + " entries for " + n + " rows");
      }
      int[] both = new int[2 * n];
      System.arraycopy(start, 0, both, 0, n);
      System.arraycopy(end, 0, both, n, n);
      CachingAllocator.Block blk = uploadInts(both);
      blocks.put(blk.address(), blk);
      return new PairwiseChunks.Mask(blk.address(), blk.address() + 4L * n, period);
    }

    @Override
    public void freeMask(PairwiseChunks.Mask mask) {
      if (mask.present()) free(mask.start());
    }

    @Override
    public void fill(long pointer, long count, float value) {
      if (count == 0) return;
      args.begin().ptr(pointer).i32(Math.toIntExact(count)).f32(value);
      launch(kernel("elementwise.cu", "e4j_fill"), blocks(count), THREADS);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
        float beta, long c, int ldc) {
      blas.gemm(1, transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
    }

    private KernelArgs chunk(long s, int rows, int m, int row0, PairwiseChunks.Mask mask) {
      return args.begin().ptr(s).i32(rows).i32(m).i32(row0).ptr(mask.start()).ptr(mask.end()).i32(mask.period())
          .i32(mask.present() ? 1 : 0);
    }

    @Override
    public void rowLse(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long diag, int diagCount) {
      chunk(s, rows, m, row0, mask).ptr(rowLse).ptr(diag).i32(diagCount);
      launch(kernel("pairwise.cu", "e4j_pair_row_lse"), Math.min(rows, 1 << 16), THREADS);
    }

    @Override
    public void colMerge(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long colMax, long colSum,
        boolean first) {
      chunk(s, rows, m, row0, mask).ptr(colMax).ptr(colSum).i32(first ? 1 : 0);
      launch(kernel("pairwise.cu", "e4j_pair_col_merge"), ceilDiv(m, 32), 1, 32, 8, 0);
    }

    @Override
    public void colFinish(long colMax, long colSum, long colLse, int m) {
      args.begin().ptr(colMax).ptr(colSum).ptr(colLse).i32(m);
      launch(kernel("pairwise.cu", "e4j_pair_col_finish"), blocks(m), THREADS);
    }

    @Override
    public void grad(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long gRow, float rowWeight,
        long colLse, long gCol, long gDiag, int diagCount) {
      chunk(s, rows, m, row0, mask).ptr(rowLse).ptr(gRow).f32(rowWeight).ptr(colLse).ptr(gCol).ptr(gDiag).i32(diagCount);
      launch(kernel("pairwise.cu", "e4j_pair_grad"), Math.min(ceilDiv(m, THREADS), 1024), Math.min(rows, 65_535),
          THREADS, 1, 0);
    }
  };

}
