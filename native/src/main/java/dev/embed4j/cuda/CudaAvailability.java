package dev.embed4j.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;

/**
 * Whether CUDA can be used in this process, found once: the JNI wrappers load (which needs the machine's
 * libcuda.so.1, libcudart.so.13, libcublas.so.13 and libnvrtc.so.13) and cudaGetDeviceCount reports a
 * device. Never throws: any failure (a missing library, no driver, no device) is an unavailable result with
 * its reason, which the tests print when they skip.
 */
record CudaAvailability(boolean available, int deviceCount, String reason) {
  private static volatile CudaAvailability result;

  static CudaAvailability get() {
    CudaAvailability r = result;
    if (r == null) {
      synchronized (CudaAvailability.class) {
        r = result;
        if (r == null) result = r = probe();
      }
    }
    return r;
  }

  private static CudaAvailability probe() {
    try {
      Loader.load(cudart.class);
      Loader.load(cublas.class);
      Loader.load(nvrtc.class);
    } catch (Throwable t) {
      return new CudaAvailability(false, 0, "the CUDA JNI libraries did not load (" + t
          + "); a CUDA 13 toolkit's lib64 must be on LD_LIBRARY_PATH and an NVIDIA driver installed");
    }
    try {
      int[] count = new int[1];
      int rc = cudart.cudaGetDeviceCount(count);
      if (rc != 0) {
        return new CudaAvailability(false, 0, "cudaGetDeviceCount failed: " + CudaStatus.runtimeName(rc) + " (" + rc + ")");
      }
      if (count[0] == 0) return new CudaAvailability(false, 0, "no CUDA device");
      return new CudaAvailability(true, count[0], count[0] + " CUDA device(s)");
    } catch (Throwable t) {
      return new CudaAvailability(false, 0, "probing CUDA failed: " + t);
    }
  }
}
