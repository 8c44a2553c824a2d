package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Storage;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * What the kernel families of one CUDA device share ({@link MemoryKernels}, {@link ElementwiseKernels},
 * {@link ReductionKernels}, {@link SoftmaxKernels}, {@link LayerNormKernels}, {@link IndexKernels},
 * {@link AttentionKernels}, {@link OptimizerKernels}, {@link PairwiseLogSumExpKernels}): the device's
 * properties, its one non-blocking stream, the {@link CachingAllocator}, the {@link NvrtcKernels}, cuBLAS,
 * the one {@link KernelArgs} buffer, and the launch that checks its status. Not thread-safe: the families
 * are called under the lock of their {@link CudaBackend}, which also binds the calling thread first
 * ({@link #bind}).
 */
final class CudaContext {
  static final int THREADS = 256;
  static final int WARPS_PER_BLOCK = 8;

  final int index;
  final Device device;
  final String name;
  final int major, minor, multiprocessors;
  final long sharedOptin;
  final CUstream_st stream = new CUstream_st();
  final CachingAllocator allocator;
  final NvrtcKernels kernels;
  final CublasGemm blas;
  final KernelArgs args = new KernelArgs();
  private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);
  volatile boolean syncAfterLaunch = Boolean.getBoolean("embed4j.cuda.syncAfterLaunch");
  private IntPointer intStaging = new IntPointer(1024);

  /** @param synchronize the backend's own synchronisation, which the allocator calls before really freeing */
  CudaContext(int index, Runnable synchronize) {
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
    this.allocator = new CachingAllocator(synchronize);
    this.kernels = new NvrtcKernels("sm_" + major + minor);
    this.blas = new CublasGemm(stream, MatmulPrecision.fromSystemProperty());
  }

  /** Binds the calling thread to this device once (cudaSetDevice also makes its primary context current). */
  void bind() {
    if (!bound.get()) {
      CudaStatus.runtime(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
      bound.set(true);
    }
  }

  /** The device address of a storage of this device. */
  long addr(Storage s) {
    if (!(s instanceof CudaStorage c)) {
      throw new IllegalArgumentException("CUDA backend of " + device + " given storage on " + (s == null ? "null" : s.device()));
    }
    if (!c.device().equals(device)) {
      throw new IllegalArgumentException("CUDA backend of " + device + " given storage on " + c.device());
    }
    return c.address();
  }

  NvrtcKernels.Kernel kernel(String file, String function) {
    return kernels.get(file, function);
  }

  void launch(NvrtcKernels.Kernel k, int gridX, int blockX) {
    launch(k, gridX, 1, blockX, 1, 0);
  }

  void launch(NvrtcKernels.Kernel k, int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
    CudaStatus.driver(cuLaunchKernel(k.handle, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, stream, args.pointers(),
        (PointerPointer<?>) null), "cuLaunchKernel(" + k.name + ", grid " + gridX + "x" + gridY + ", block " + blockX + "x" + blockY
        + ", " + sharedBytes + " bytes shared)");
    if (syncAfterLaunch) synchronizeChecked(k.name);
  }

  void synchronizeChecked(String what) {
    CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize after " + what);
  }

  /** Grid of a grid-stride element-wise kernel: enough blocks to fill the device, no more. */
  int blocks(long n) {
    return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, multiprocessors * 32L));
  }

  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /**
   * Integer inputs (token ids, class targets, masks) copied into a device block from the allocator; the
   * caller hands the block back after the launch (reuse is stream-ordered).
   */
  CachingAllocator.Block uploadInts(int[] host) {
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
  interface StridedBody {
    void run(Inner inner, long a0, long a1, int count);
  }

  /** The inner axes of a layout and where their contiguous output starts. */
  record Inner(int[] shape, int[] s0, int[] s1, long outOffset) {}

  /**
   * Runs {@code body} over a layout of any rank: up to 8 axes in one launch; beyond that, one launch per
   * index of the outer axes (layouts that survive merging with more than 8 axes do not occur in practice).
   */
  void stridedLaunch(StridedLayout l, long base0, long base1, StridedBody body) {
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
}
