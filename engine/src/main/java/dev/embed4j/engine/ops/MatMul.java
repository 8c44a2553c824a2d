package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/**
 * Matrix product over the last two axes, batched over the leading ones (broadcast by numpy rules). A
 * transposed view is passed to the GEMM as a transpose flag, not copied, so {@code a.matmul(b.t())} costs
 * no copy; the backward uses the same trick: dA = G·Bᵀ, dB = Aᵀ·G.
 */
public final class MatMul extends Node {
  private Tensor a, b;

  private MatMul(Tensor a, Tensor b) {
    super(a, b);
    this.a = a;
    this.b = b;
  }

  public static Tensor apply(Tensor a, Tensor b) {
    Checks.sameDevice("matmul", a, b);
    int[] as = a.shape(), bs = b.shape();
    if (as.length < 2 || bs.length < 2) throw ShapeException.of("matmul", "both operands need at least 2 axes", as, bs);
    int m = as[as.length - 2], k = as[as.length - 1], k2 = bs[bs.length - 2], n = bs[bs.length - 1];
    if (k != k2) throw ShapeException.of("matmul", "inner dimensions differ: " + k + " vs " + k2, as, bs);
    int[] batch = Broadcast.shape("matmul (batch axes)", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
    int batchCount = Tensor.numel(batch);
    Operand oa = Operand.of(a, batch, m, k), ob = Operand.of(b, batch, k, n);
    int[] outShape = Arrays.copyOf(batch, batch.length + 2);
    outShape[batch.length] = m;
    outShape[batch.length + 1] = n;
    Tensor out = Checks.newContiguous(a, outShape);
    if (batchCount > 0 && m > 0 && n > 0) {
      a.backend().gemm(batchCount, oa.trans, ob.trans, m, n, k, 1f,
          oa.t.storage(), oa.t.offset(), oa.ld, oa.batchStride,
          ob.t.storage(), ob.t.offset(), ob.ld, ob.batchStride, 0f,
          out.storage(), 0, n, (long) m * n);
    }
    return Node.recording(a, b) ? new MatMul(a, b).attach(out) : out;
  }

  /** How one operand is handed to the GEMM: maybe copied, maybe transposed, one batch stride. */
  private record Operand(Tensor t, boolean trans, int ld, long batchStride) {
    static Operand of(Tensor x, int[] batch, int rows, int cols) {
      int[] full = Arrays.copyOf(batch, batch.length + 2);
      full[batch.length] = rows;
      full[batch.length + 1] = cols;
      Tensor v = x;
      if (!Arrays.equals(x.shape(), full)) {
        try (var g = dev.embed4j.engine.Grad.off()) {
          v = x.expand(full);
        }
      }
      Operand o = tryView(v, batch.length, rows, cols);
      if (o != null) return o;
      Tensor dense;
      try (var g = dev.embed4j.engine.Grad.off()) {
        dense = v.copy();
      }
      return tryView(dense, batch.length, rows, cols);
    }

    private static Operand tryView(Tensor v, int batchRank, int rows, int cols) {
      int[] st = v.strides(), sh = v.shape();
      int sr = st[batchRank], sc = st[batchRank + 1];
      boolean trans;
      int ld;
      if (sc == 1 || cols == 1) {
        trans = false; // element (i, j) at i·ld + j
        ld = rows == 1 ? Math.max(cols, 1) : sr;
      } else if (sr == 1 || rows == 1) {
        trans = true; // element (i, j) at j·ld + i
        ld = sc;
      } else {
        return null;
      }
      if (ld == 0) return null;
      long stride = -1;
      for (int i = batchRank - 1; i >= 0; i--) {
        if (sh[i] == 1) continue;
        if (stride < 0) {
          stride = st[i];
        } else {
          long expected;
          // the next inner batch axis of size > 1 must step exactly once per this axis' step
          int inner = i + 1;
          while (sh[inner] == 1) inner++;
          expected = (long) st[inner] * sh[inner];
          if (st[i] != expected) return null;
        }
      }
      return new Operand(v, trans, ld, Math.max(stride, 0));
    }
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor ga = null, gb = null;
    if (a.requiresGrad()) ga = Broadcast.sumTo(apply(g[0], b.t()), a.shape());
    if (b.requiresGrad()) {
      if (transposedMatrix(b) && a.shape().length == 2) {
        // B is a transposed view (x·Wᵀ): make dB as Gᵀ·A, which lies in W's own layout, and hand it back
        // transposed, so W's gradient arrives contiguous instead of through a strided transposing copy. The
        // same products summed in the same order: the same bits as Aᵀ·G.
        gb = apply(g[0].t(), a).t();
      } else {
        gb = Broadcast.sumTo(apply(a.t(), g[0]), b.shape());
      }
    }
    return new Tensor[] {ga, gb};
  }

  /** A 2-D view whose elements run down its columns: a transposed dense matrix. */
  private static boolean transposedMatrix(Tensor x) {
    int[] st = x.strides(), sh = x.shape();
    return sh.length == 2 && sh[0] > 1 && sh[1] > 1 && st[0] == 1 && st[1] >= sh[0];
  }

  @Override
  protected void releaseSaved() {
    a = null;
    b = null;
  }
}
