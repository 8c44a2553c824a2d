package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static dev.embed4j.cuda.CudaContext.WARPS_PER_BLOCK;
import static dev.embed4j.cuda.CudaContext.ceilDiv;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.embed4j.engine.backend.Storage;
import org.bytedeco.javacpp.DoublePointer;

/**
 * The reductions of {@code reduce.cu}: row sums (a warp a row, or for few long rows each row split over
 * blocks and the pieces added by a second pass) and sums of squares in double (partial sums a block, then
 * one block for the total), the latter downloaded at once for gradient clipping.
 */
final class ReductionKernels {
  private final CudaContext cuda;
  private final KernelArgs args;
  private final DoublePointer doubleStaging = new DoublePointer(1);

  ReductionKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  void sumRows(Storage x, int rows, int cols, Storage out) {
    if (rows == 0) return;
    long px = cuda.addr(x), po = cuda.addr(out);
    if (cols <= 8192 || rows >= cuda.multiprocessors * 4) {
      sumRowsWarp(px, po, rows, cols);
      return;
    }
    // few long rows: split each row over blocks, then add the pieces
    int splits = (int) Math.min((cols + 4095L) / 4096, 1024);
    CachingAllocator.Block partial = cuda.allocator.allocate(4L * rows * splits);
    try {
      args.begin().ptr(px).ptr(partial.address()).i32(rows).i32(cols).i32(splits);
      cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_rows_partial"), rows * splits, THREADS);
      sumRowsWarp(partial.address(), po, rows, splits);
    } finally {
      cuda.allocator.free(partial);
    }
  }

  private void sumRowsWarp(long px, long po, int rows, int cols) {
    args.begin().ptr(px).ptr(po).i32(rows).i32(cols);
    cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_rows_warp"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
  }

  double sumOfSquares(Storage x, int offset, int n) {
    if (n == 0) return 0.0;
    int grid = (int) Math.min((n + THREADS - 1L) / THREADS, 1024);
    CachingAllocator.Block partial = cuda.allocator.allocate(8L * grid + 8);
    try {
      long out = partial.address() + 8L * grid;
      args.begin().ptr(cuda.addr(x) + 4L * offset).i32(n).ptr(partial.address());
      cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_squares_partial"), grid, THREADS);
      args.begin().ptr(partial.address()).i32(grid).ptr(out);
      cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_squares_final"), 1, THREADS);
      CudaStatus.runtime(cudaMemcpyAsync(doubleStaging, new DevicePointer(out), 8, cudaMemcpyDeviceToHost, cuda.stream),
          "cudaMemcpyAsync(device to host, 8 bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(cuda.stream), "cudaStreamSynchronize (sumOfSquares)");
      return doubleStaging.get();
    } finally {
      cuda.allocator.free(partial);
    }
  }

  /**
   * Every range's partial sums and total on the device, each total into its own slot, then one copy of
   * all totals to the host and one synchronisation; summed on the host in the order given.
   */
  double sumOfSquares(Storage[] xs, int[] offsets, int[] counts) {
    int k = xs.length;
    if (k == 0) return 0.0;
    int maxGrid = 1;
    for (int c : counts) maxGrid = (int) Math.max(maxGrid, Math.min((c + THREADS - 1L) / THREADS, 1024));
    CachingAllocator.Block scratch = cuda.allocator.allocate(8L * maxGrid + 8L * k);
    DoublePointer totals = new DoublePointer(k);
    try {
      long out = scratch.address() + 8L * maxGrid;
      CudaStatus.runtime(cudaMemsetAsync(new DevicePointer(out), 0, 8L * k, cuda.stream),
          "cudaMemsetAsync(" + 8L * k + " bytes)");
      for (int i = 0; i < k; i++) {
        if (counts[i] == 0) continue;
        int grid = (int) Math.min((counts[i] + THREADS - 1L) / THREADS, 1024);
        args.begin().ptr(cuda.addr(xs[i]) + 4L * offsets[i]).i32(counts[i]).ptr(scratch.address());
        cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_squares_partial"), grid, THREADS);
        args.begin().ptr(scratch.address()).i32(grid).ptr(out + 8L * i);
        cuda.launch(cuda.kernel("reduce.cu", "e4j_sum_squares_final"), 1, THREADS);
      }
      CudaStatus.runtime(cudaMemcpyAsync(totals, new DevicePointer(out), 8L * k, cudaMemcpyDeviceToHost, cuda.stream),
          "cudaMemcpyAsync(device to host, " + 8L * k + " bytes)");
      CudaStatus.runtime(cudaStreamSynchronize(cuda.stream), "cudaStreamSynchronize (sumOfSquares of " + k + " ranges)");
      double sum = 0;
      for (int i = 0; i < k; i++) sum += totals.get(i);
      return sum;
    } finally {
      totals.close();
      cuda.allocator.free(scratch);
    }
  }
}
