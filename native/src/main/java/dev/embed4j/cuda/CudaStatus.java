package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cublas.cublasGetStatusName;
import static org.bytedeco.cuda.global.cublas.cublasGetStatusString;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Turns the status of every native call into an exception that names the call and the status. One method
 * per library because the four number their statuses independently: runtime ({@code cudaError_t}),
 * driver ({@code CUresult}, for module loading and kernel launches), cuBLAS and NVRTC.
 */
final class CudaStatus {
  private CudaStatus() {}

  /** CUDA runtime call. */
  static void runtime(int status, String call) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + text(() -> cudaGetErrorName(status).getString(), status)
          + " (" + status + "): " + text(() -> cudaGetErrorString(status).getString(), status), status);
    }
  }

  /** CUDA driver call (cuModuleLoadData, cuLaunchKernel, ...). */
  static void driver(int status, String call) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + driverText(status, true) + " (" + status + "): "
          + driverText(status, false), status);
    }
  }

  static void cublas(int status, String call) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + text(() -> cublasGetStatusName(status).getString(), status)
          + " (" + status + "): " + text(() -> cublasGetStatusString(status).getString(), status), status);
    }
  }

  static void nvrtc(int status, String call) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + text(() -> nvrtcGetErrorString(status).getString(), status)
          + " (" + status + ")", status);
    }
  }

  /** The runtime's name for a status, for messages that are not exceptions (availability reasons). */
  static String runtimeName(int status) {
    return text(() -> cudaGetErrorName(status).getString(), status);
  }

  private static String driverText(int status, boolean name) {
    return text(() -> {
      try (PointerPointer<BytePointer> out = new PointerPointer<>(1L)) {
        int rc = name ? cuGetErrorName(status, out) : cuGetErrorString(status, out);
        if (rc != 0) return null;
        BytePointer s = out.get(BytePointer.class, 0);
        return s == null || s.isNull() ? null : s.getString();
      }
    }, status);
  }

  /** Looking a name up must never hide the original error: any failure gives the bare number. */
  private static String text(java.util.function.Supplier<String> lookup, int status) {
    try {
      String s = lookup.get();
      return s == null ? "status " + status : s;
    } catch (Throwable t) {
      return "status " + status;
    }
  }
}
