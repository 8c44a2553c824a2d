package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.embed4j.engine.backend.Storage;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Storages and their contents: allocation (zeroed by a memset), host transfers through one staging buffer
 * in host memory, the strided copy ({@code e4j_copy}, or one memcpy when both sides are contiguous) and
 * fill ({@code e4j_fill}, or a memset for zero) of {@code elementwise.cu}.
 */
final class MemoryKernels {
  /** The host staging buffer grows to this many floats (16 MB); larger copies go through it in chunks. */
  private static final int STAGING_MAX = 4 << 20;

  private final CudaContext cuda;
  private final KernelArgs args;
  private FloatPointer floatStaging = new FloatPointer(1024);

  MemoryKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  Storage allocate(long size) {
    CudaStorage s = newStorage(size);
    if (size > 0) {
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(s.address()), 0, 4 * size, cuda.stream),
          "cudaMemsetAsync(" + 4 * size + " bytes)");
    }
    return s;
  }

  Storage upload(float[] host) {
    CudaStorage s = newStorage(host.length);
    copyToDevice(host, 0, s.address(), host.length);
    return s;
  }

  void download(Storage src, long offset, float[] dst, int dstOffset, int n) {
    long base = cuda.addr(src) + 4 * offset;
    for (int done = 0; done < n; ) {
      int len = Math.min(n - done, STAGING_MAX);
      FloatPointer stage = floatStaging(len);
      CudaStatus.runtime(cudaMemcpyAsync(stage, new DevicePointer(base + 4L * done), 4L * len, cudaMemcpyDeviceToHost,
          cuda.stream), "cudaMemcpyAsync(device to host, " + 4L * len + " bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(cuda.stream), "cudaStreamSynchronize (download of " + n + " floats)");
      stage.get(dst, dstOffset + done, len);
      done += len;
    }
  }

  void copy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape) {
    StridedLayout l = StridedLayout.of(shape, srcStrides, dstStrides);
    long n = l.numel();
    if (n == 0) return;
    long s = cuda.addr(src) + 4L * srcOffset, d = cuda.addr(dst) + 4L * dstOffset;
    if (l.bothContiguous()) {
      CudaStatus.runtime(cudaMemcpyAsync(new DevicePointer(d), new DevicePointer(s), 4 * n, cudaMemcpyDeviceToDevice,
          cuda.stream), "cudaMemcpyAsync(device to device, " + 4 * n + " bytes)");
      return;
    }
    cuda.stridedLaunch(l, s, d, (inner, a0, a1, count) -> {
      NvrtcKernels.Kernel k = cuda.kernel("elementwise.cu", "e4j_copy");
      args.begin().ptr(a0).ptr(a1).strided(inner.shape(), inner.s0(), inner.s1()).i32(count);
      cuda.launch(k, cuda.blocks(count), THREADS);
    });
  }

  void fill(Storage dst, int offset, int n, float value) {
    if (n == 0) return;
    long d = cuda.addr(dst) + 4L * offset;
    if (Float.floatToRawIntBits(value) == 0) {
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(d), 0, 4L * n, cuda.stream), "cudaMemsetAsync(" + 4L * n + " bytes)");
      return;
    }
    args.begin().ptr(d).i32(n).f32(value);
    cuda.launch(cuda.kernel("elementwise.cu", "e4j_fill"), cuda.blocks(n), THREADS);
  }

  private CudaStorage newStorage(long size) {
    cuda.bind();
    if (size < 0) throw new IllegalArgumentException("negative storage size " + size);
    return new CudaStorage(cuda.device, size, cuda.allocator, cuda.allocator.allocate(4 * size));
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
          cuda.stream), "cudaMemcpyAsync(host to device, " + 4L * len + " bytes)");
      done += len;
    }
  }
}
