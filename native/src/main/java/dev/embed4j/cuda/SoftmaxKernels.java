package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static dev.embed4j.cuda.CudaContext.WARPS_PER_BLOCK;
import static dev.embed4j.cuda.CudaContext.ceilDiv;

import dev.embed4j.engine.backend.Storage;

/**
 * Softmax, log-softmax and cross-entropy over rows, forward and backward, on the kernels of
 * {@code softmax.cu}: a warp a row, {@link CudaContext#WARPS_PER_BLOCK} rows a block. Class targets arrive
 * as host {@code int[]} and are uploaded for the launch.
 */
final class SoftmaxKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  SoftmaxKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(cuda.addr(x)).ptr(cuda.addr(y)).i32(rows).i32(cols).i32(log ? 1 : 0);
    cuda.launch(cuda.kernel("softmax.cu", "e4j_softmax"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(cuda.addr(y)).ptr(cuda.addr(gy)).ptr(cuda.addr(gx)).i32(rows).i32(cols).i32(log ? 1 : 0);
    cuda.launch(cuda.kernel("softmax.cu", "e4j_softmax_backward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols) {
    if (rows == 0) return;
    CachingAllocator.Block dT = cuda.uploadInts(targets);
    try {
      args.begin().ptr(cuda.addr(logits)).ptr(dT.address()).ptr(cuda.addr(logProb)).ptr(cuda.addr(loss)).i32(rows).i32(cols);
      cuda.launch(cuda.kernel("softmax.cu", "e4j_cross_entropy"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    } finally {
      cuda.allocator.free(dT);
    }
  }

  void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows, int cols) {
    if (rows == 0) return;
    CachingAllocator.Block dT = cuda.uploadInts(targets);
    try {
      args.begin().ptr(cuda.addr(logProb)).ptr(dT.address()).ptr(cuda.addr(gLoss)).ptr(cuda.addr(gLogits)).i32(rows)
          .i32(cols);
      cuda.launch(cuda.kernel("softmax.cu", "e4j_cross_entropy_backward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    } finally {
      cuda.allocator.free(dT);
    }
  }
}
