package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;

import dev.embed4j.engine.backend.Storage;

/**
 * Embedding lookups on the kernels of {@code embedding.cu}: gather of table rows by id and its backward, a
 * scatter-add (atomic) of the output gradient into the table's. Ids arrive as host {@code int[]} and are
 * uploaded for the launch.
 */
final class IndexKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  IndexKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  void gather(Storage table, int dim, int[] ids, Storage out) {
    if (ids.length == 0 || dim == 0) return;
    CachingAllocator.Block dIds = cuda.uploadInts(ids);
    try {
      args.begin().ptr(cuda.addr(table)).ptr(dIds.address()).ptr(cuda.addr(out)).i32(ids.length).i32(dim);
      cuda.launch(cuda.kernel("embedding.cu", "e4j_gather"), cuda.blocks((long) ids.length * dim), THREADS);
    } finally {
      cuda.allocator.free(dIds);
    }
  }

  void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable) {
    if (ids.length == 0 || dim == 0) return;
    CachingAllocator.Block dIds = cuda.uploadInts(ids);
    try {
      args.begin().ptr(cuda.addr(gOut)).ptr(dIds.address()).ptr(cuda.addr(gTable)).i32(ids.length).i32(dim);
      cuda.launch(cuda.kernel("embedding.cu", "e4j_scatter_add"), cuda.blocks((long) ids.length * dim), THREADS);
    } finally {
      cuda.allocator.free(dIds);
    }
  }
}
