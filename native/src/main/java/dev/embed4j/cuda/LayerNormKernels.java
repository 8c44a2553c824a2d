package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static dev.embed4j.cuda.CudaContext.WARPS_PER_BLOCK;
import static dev.embed4j.cuda.CudaContext.ceilDiv;

import dev.embed4j.engine.backend.Storage;

/**
 * LayerNorm over rows on the kernels of {@code layernorm.cu}: forward (a warp a row, keeping mean and 1/σ),
 * the input gradient the same way, and the γ and β gradients as column sums in two deterministic passes
 * (32-column × row-chunk blocks into a scratch block, then one thread a column).
 */
final class LayerNormKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  LayerNormKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows, int cols,
      float eps) {
    if (rows == 0 || cols == 0) return;
    args.begin().ptr(cuda.addr(x)).ptr(cuda.addr(gamma)).ptr(cuda.addr(beta)).ptr(cuda.addr(y)).ptr(cuda.addr(mean))
        .ptr(cuda.addr(rstd)).i32(rows).i32(cols).f32(eps);
    cuda.launch(cuda.kernel("layernorm.cu", "e4j_layernorm_forward"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx, Storage gGamma,
      Storage gBeta, int rows, int cols) {
    if (rows == 0 || cols == 0) return;
    long px = cuda.addr(x), pm = cuda.addr(mean), pr = cuda.addr(rstd), pgy = cuda.addr(gy);
    args.begin().ptr(px).ptr(cuda.addr(gamma)).ptr(pm).ptr(pr).ptr(pgy).ptr(cuda.addr(gx)).i32(rows).i32(cols);
    cuda.launch(cuda.kernel("layernorm.cu", "e4j_layernorm_backward_dx"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
    if (gGamma == null && gBeta == null) return;
    // column sums in two deterministic passes: 32-column x row-chunk blocks, then one thread a column
    int chunks = Math.min(256, ceilDiv(rows, 32));
    CachingAllocator.Block partial = cuda.allocator.allocate(8L * chunks * cols);
    try {
      long pg = partial.address(), pb = pg + 4L * chunks * cols;
      args.begin().ptr(px).ptr(pm).ptr(pr).ptr(pgy).ptr(pg).ptr(pb).i32(rows).i32(cols);
      cuda.launch(cuda.kernel("layernorm.cu", "e4j_layernorm_backward_params_partial"), ceilDiv(cols, 32), chunks, 32, 8, 0);
      args.begin().ptr(pg).ptr(pb).ptr(gGamma == null ? 0L : cuda.addr(gGamma)).ptr(gBeta == null ? 0L : cuda.addr(gBeta))
          .i32(cols).i32(chunks);
      cuda.launch(cuda.kernel("layernorm.cu", "e4j_layernorm_backward_params_final"), ceilDiv(cols, THREADS), THREADS);
    } finally {
      cuda.allocator.free(partial);
    }
  }
}
