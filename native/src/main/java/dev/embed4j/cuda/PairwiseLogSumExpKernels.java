package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static dev.embed4j.cuda.CudaContext.ceilDiv;

import dev.embed4j.engine.backend.Storage;

/**
 * The fused pairwise log-sum-exp of the contrastive losses: the walk over chunks of S = scale·A·Bᵀ is
 * {@link PairwiseChunks}' (tested on plain Java twins without a GPU); this class gives it its device
 * operations ({@code pairOps}: the allocator, cuBLAS, and the kernels of {@code pairwise.cu}) and the chunk
 * size.
 */
final class PairwiseLogSumExpKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  /**
   * Bytes of the one chunk of S the pairwise op holds: cuBLAS writes rows × m of scale·A·Bᵀ at a time
   * (rows = this / (4m), at least 1), kernels of {@code pairwise.cu} reduce it or turn it into the gradient
   * in place, and cuBLAS takes the gradient products from there. 256 MiB by default
   * ({@code -Dembed4j.cuda.pairwiseChunkBytes}): 1,024 rows at m = 65,536.
   */
  private long pairwiseChunkBytes = Long.getLong("embed4j.cuda.pairwiseChunkBytes", 256L << 20);

  PairwiseLogSumExpKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  /** Sets {@link #pairwiseChunkBytes} (tests force several chunks with a small value). */
  void setPairwiseChunkBytes(long bytes) {
    if (bytes < 4) throw new IllegalArgumentException("pairwise chunk of " + bytes + " bytes");
    pairwiseChunkBytes = bytes;
  }

  /** Rows of S per chunk for m columns. */
  int pairwiseChunkRows(int n, int m) {
    return (int) Math.max(1, Math.min(n, pairwiseChunkBytes / (4L * Math.max(1, m))));
  }

  void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage colLse, Storage diag) {
    PairwiseChunks.forward(pairOps, cuda.addr(a), cuda.addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod,
        hardness, hardStart, hardEnd, hardPeriod, hardComplement, cuda.addr(rowLse), orZero(colLse), cuda.addr(diag),
        pairwiseChunkRows(n, m));
  }

  void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse, Storage gDiag, Storage gA, Storage gB) {
    PairwiseChunks.gradient(pairOps, cuda.addr(a), cuda.addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod,
        hardness, hardStart, hardEnd, hardPeriod, hardComplement, 0, cuda.addr(rowLse), orZero(gRowLse), 0f,
        orZero(colLse), orZero(gColLse), orZero(gDiag), cuda.addr(gA), cuda.addr(gB), pairwiseChunkRows(n, m));
  }

  /** Rows only with the gradients of Σ rowLse, from the same chunks: three GEMM-sized passes in all. */
  void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, Storage rowLse, Storage diag, Storage gA, Storage gB) {
    PairwiseChunks.gradient(pairOps, cuda.addr(a), cuda.addr(b), n, m, d, scale, maskStart, maskEnd, maskPeriod,
        hardness, hardStart, hardEnd, hardPeriod, hardComplement, cuda.addr(diag), cuda.addr(rowLse), 0, 1f, 0, 0, 0,
        cuda.addr(gA), cuda.addr(gB), pairwiseChunkRows(n, m));
  }

  private long orZero(Storage s) {
    return s == null ? 0 : cuda.addr(s);
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
      CachingAllocator.Block blk = cuda.allocator.allocate(4 * floats);
      blocks.put(blk.address(), blk);
      return blk.address();
    }

    @Override
    public void free(long pointer) {
      cuda.allocator.free(blocks.remove(pointer));
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
      CachingAllocator.Block blk = cuda.uploadInts(both);
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
      cuda.launch(cuda.kernel("elementwise.cu", "e4j_fill"), cuda.blocks(count), THREADS);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
        float beta, long c, int ldc) {
      cuda.blas.gemm(1, transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
    }

    private KernelArgs chunk(long s, int rows, int m, int row0, PairwiseChunks.Mask mask) {
      return args.begin().ptr(s).i32(rows).i32(m).i32(row0).ptr(mask.start()).ptr(mask.end()).i32(mask.period())
          .i32(mask.present() ? 1 : 0);
    }

    @Override
    public void harden(long s, int rows, int m, int row0, PairwiseChunks.Mask ranges, boolean complement, float factor) {
      chunk(s, rows, m, row0, ranges).i32(complement ? 1 : 0).f32(factor);
      cuda.launch(cuda.kernel("pairwise.cu", "e4j_pair_harden"), Math.min(ceilDiv(m, THREADS), 1024),
          Math.min(rows, 65_535), THREADS, 1, 0);
    }

    @Override
    public void rowLse(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long diag, int diagCount) {
      chunk(s, rows, m, row0, mask).ptr(rowLse).ptr(diag).i32(diagCount);
      cuda.launch(cuda.kernel("pairwise.cu", "e4j_pair_row_lse"), Math.min(rows, 1 << 16), THREADS);
    }

    @Override
    public void colMerge(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long colMax, long colSum,
        boolean first) {
      chunk(s, rows, m, row0, mask).ptr(colMax).ptr(colSum).i32(first ? 1 : 0);
      cuda.launch(cuda.kernel("pairwise.cu", "e4j_pair_col_merge"), ceilDiv(m, 32), 1, 32, 8, 0);
    }

    @Override
    public void colFinish(long colMax, long colSum, long colLse, int m) {
      args.begin().ptr(colMax).ptr(colSum).ptr(colLse).i32(m);
      cuda.launch(cuda.kernel("pairwise.cu", "e4j_pair_col_finish"), cuda.blocks(m), THREADS);
    }

    @Override
    public void grad(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long gRow, float rowWeight,
        long colLse, long gCol, long gDiag, int diagCount) {
      chunk(s, rows, m, row0, mask).ptr(rowLse).ptr(gRow).f32(rowWeight).ptr(colLse).ptr(gCol).ptr(gDiag).i32(diagCount);
      cuda.launch(cuda.kernel("pairwise.cu", "e4j_pair_grad"), Math.min(ceilDiv(m, THREADS), 1024), Math.min(rows, 65_535),
          THREADS, 1, 0);
    }
  };
}
