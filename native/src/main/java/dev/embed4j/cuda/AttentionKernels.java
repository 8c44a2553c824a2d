package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;
import static dev.embed4j.cuda.CudaContext.WARPS_PER_BLOCK;
import static dev.embed4j.cuda.CudaContext.ceilDiv;

import dev.embed4j.engine.backend.Storage;

/**
 * Fused (flash-style) attention on the kernels of {@code attention.cu}, whose header gives the thread
 * layout, the tiles and the cost: head dims up to {@value #ATT_MAX_DIM}; 128 threads a block, blockIdx.x
 * the (batch, head) pair, blockIdx.y a tile of 32 query (or key) rows; shared memory sized here from the
 * head dim (rows padded to dim + 1) and checked against the device's opt-in limit. The backward first forms
 * delta = rowsum(O ∘ dO), then dK and dV, then dQ.
 */
final class AttentionKernels {
  private static final int ATT_MAX_DIM = 128;

  private final CudaContext cuda;
  private final KernelArgs args;
  private final MemoryKernels memory;

  AttentionKernels(CudaContext cuda, MemoryKernels memory) {
    this.cuda = cuda;
    this.args = cuda.args;
    this.memory = memory;
  }

  void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch, int heads,
      int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    checkAttentionDim(dim);
    if (batch == 0 || heads == 0 || seqQ == 0) return;
    int ld = dim + 1;
    int shared = 4 * (32 * ld + 2 * 64 * ld + 32 * 65);
    NvrtcKernels.Kernel kf = attentionKernel("e4j_attention_forward", shared);
    args.begin().ptr(cuda.addr(q)).ptr(cuda.addr(k)).ptr(cuda.addr(v)).ptr(keyMask == null ? 0L : cuda.addr(keyMask))
        .ptr(cuda.addr(out)).ptr(cuda.addr(lse)).i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout)
        .f32(dropScale(dropout)).u64(seed);
    cuda.launch(kf, batch * heads, ceilDiv(seqQ, 32), 128, 1, shared);
  }

  void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, Storage gOut,
      Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim, float scale, float dropout,
      long seed) {
    checkAttentionDim(dim);
    if (batch == 0 || heads == 0) return;
    long pq = cuda.addr(q), pk = cuda.addr(k), pv = cuda.addr(v), pm = keyMask == null ? 0L : cuda.addr(keyMask);
    long pl = cuda.addr(lse);
    long pgo = cuda.addr(gOut);
    int rows = batch * heads * seqQ;
    if (rows == 0 || dim == 0) { // no query rows: nothing flows back into K and V
      if (seqK > 0 && dim > 0) {
        memory.fill(gk, 0, batch * heads * seqK * dim, 0f);
        memory.fill(gv, 0, batch * heads * seqK * dim, 0f);
      }
      return;
    }
    CachingAllocator.Block delta = cuda.allocator.allocate(4L * rows);
    try {
      args.begin().ptr(cuda.addr(out)).ptr(pgo).ptr(delta.address()).i32(rows).i32(dim);
      cuda.launch(cuda.kernel("attention.cu", "e4j_attention_delta"), ceilDiv(rows, WARPS_PER_BLOCK), THREADS);
      int ld = dim + 1;
      if (seqK > 0) {
        int sharedKv = 4 * (4 * 32 * ld + 2 * 32 * 33 + 2 * 32);
        NvrtcKernels.Kernel kkv = attentionKernel("e4j_attention_backward_kv", sharedKv);
        args.begin().ptr(pq).ptr(pk).ptr(pv).ptr(pm).ptr(pl).ptr(delta.address()).ptr(pgo).ptr(cuda.addr(gk))
            .ptr(cuda.addr(gv)).i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout).f32(dropScale(dropout))
            .u64(seed);
        cuda.launch(kkv, batch * heads, ceilDiv(seqK, 32), 128, 1, sharedKv);
      }
      int sharedQ = 4 * (4 * 32 * ld + 32 * 33 + 32);
      NvrtcKernels.Kernel kq = attentionKernel("e4j_attention_backward_q", sharedQ);
      args.begin().ptr(pq).ptr(pk).ptr(pv).ptr(pm).ptr(pl).ptr(delta.address()).ptr(pgo).ptr(cuda.addr(gq))
          .i32(heads).i32(seqQ).i32(seqK).i32(dim).f32(scale).f32(dropout).f32(dropScale(dropout)).u64(seed);
      cuda.launch(kq, batch * heads, ceilDiv(seqQ, 32), 128, 1, sharedQ);
    } finally {
      cuda.allocator.free(delta);
    }
  }

  /** 1f / (1f − p) in float, as the CPU kernels compute it, so kept values match bit for bit. */
  private static float dropScale(float p) {
    if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("attention dropout rate must be in [0, 1), got " + p);
    return 1f / (1f - p);
  }

  private static void checkAttentionDim(int dim) {
    if (dim > ATT_MAX_DIM) {
      throw new UnsupportedOperationException("CUDA attention supports head dims up to " + ATT_MAX_DIM + ", got " + dim
          + "; split the heads further or run attention on the CPU");
    }
  }

  private NvrtcKernels.Kernel attentionKernel(String function, int sharedBytes) {
    if (sharedBytes > cuda.sharedOptin) {
      throw new UnsupportedOperationException(function + " needs " + sharedBytes + " bytes of shared memory a block, "
          + cuda.name + " allows " + cuda.sharedOptin);
    }
    NvrtcKernels.Kernel k = cuda.kernel("attention.cu", function);
    k.allowShared(sharedBytes);
    return k;
  }
}
