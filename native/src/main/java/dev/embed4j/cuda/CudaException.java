package dev.embed4j.cuda;

/**
 * A CUDA, driver, cuBLAS or NVRTC call returned an error status. The message names the call, the status
 * by its symbolic name (for example {@code cudaErrorMemoryAllocation}) and the library's description.
 */
public final class CudaException extends RuntimeException {
  private final int status;

  public CudaException(String message, int status) {
    super(message);
    this.status = status;
  }

  /** The raw status code (cudaError_t, CUresult, cublasStatus_t or nvrtcResult, by the call). */
  public int status() {
    return status;
  }
}
