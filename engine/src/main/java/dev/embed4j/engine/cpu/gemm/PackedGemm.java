package dev.embed4j.engine.cpu.gemm;

import dev.embed4j.engine.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast CPU SGEMM (TBD javadoc).
 */
public final class PackedGemm implements GemmKernel {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int VL = S.length();
  static final int MR = 4;
  static final int NR = 2 * VL;
  static final int KC = Integer.getInteger("embed4j.gemm.kc", 256);
  static final int MC = Integer.getInteger("embed4j.gemm.mc", 128);
  static final int NC = Integer.getInteger("embed4j.gemm.nc", 4096);
  static final long PARALLEL_MIN_FMAS = 1L << 20;

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  /** Per-thread packing buffers, grown on demand and reused so the loops never allocate. */
  static final class Workspace {
    float[] a = new float[0];
    float[] b = new float[0];
    final float[] tile = new float[MR * NR];

    float[] a(int size) {
      if (a.length < size) a = new float[size];
      return a;
    }

    float[] b(int size) {
      if (b.length < size) b = new float[size];
      return b;
    }
  }

  @Override
  public String name() {
    return "packed";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0f) {
      scale(m, n, beta, c, cOff, ldc);
      return;
    }
    int threads = Parallel.threads();
    if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS) {
      serial(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, WORKSPACE.get());
      return;
    }
    if (m >= n) {
      int panels = (m + MR - 1) / MR;
      Parallel.forRange(panels, 1, (lo, hi) -> {
        int i0 = lo * MR, i1 = Math.min(m, hi * MR);
        int aStart = transA ? aOff + i0 : aOff + i0 * lda;
        serial(transA, transB, i1 - i0, n, k, alpha, a, aStart, lda, b, bOff, ldb, beta, c, cOff + i0 * ldc, ldc,
            WORKSPACE.get());
      });
    } else {
      int panels = (n + NR - 1) / NR;
      Parallel.forRange(panels, 1, (lo, hi) -> {
        int j0 = lo * NR, j1 = Math.min(n, hi * NR);
        int bStart = transB ? bOff + j0 * ldb : bOff + j0;
        serial(transA, transB, m, j1 - j0, k, alpha, a, aOff, lda, b, bStart, ldb, beta, c, cOff + j0, ldc,
            WORKSPACE.get());
      });
    }
  }

  static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      if (beta == 0f) {
        java.util.Arrays.fill(c, row, row + n, 0f);
      } else if (beta != 1f) {
        for (int j = 0; j < n; j++) c[row + j] *= beta;
      }
    }
  }

  /** Splits [0, total) into the fewest blocks of at most max, equal in size and rounded up to unit. */
  static int blockSize(int total, int max, int unit) {
    int blocks = (total + max - 1) / max;
    int size = (total + blocks - 1) / blocks;
    return Math.min(max, (size + unit - 1) / unit * unit);
  }

  static void serial(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, Workspace w) {
    int kcMax = blockSize(k, KC, 1);
    int mcMax = blockSize(m, MC, MR);
    int ncMax = blockSize(n, NC, NR);
    float[] pa = w.a(mcMax * kcMax);
    float[] pb = w.b(((ncMax + NR - 1) / NR) * NR * kcMax);
    float[] tile = w.tile;
    for (int jc = 0; jc < n; jc += ncMax) {
      int nc = Math.min(ncMax, n - jc);
      for (int pc = 0; pc < k; pc += kcMax) {
        int kc = Math.min(kcMax, k - pc);
        packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
        int mode = pc > 0 || beta == 1f ? ADD : beta == 0f ? OVERWRITE : SCALE;
        for (int ic = 0; ic < m; ic += mcMax) {
          int mc = Math.min(mcMax, m - ic);
          packA(transA, a, aOff, lda, ic, mc, pc, kc, alpha, pa);
          for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int bIdx = jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
              int mr = Math.min(MR, mc - ir);
              micro(kc, pa, ir * kc, pb, bIdx, c, cOff + (ic + ir) * ldc + jc + jr, ldc, mode, beta, mr, nr, tile);
            }
          }
        }
      }
    }
  }

  static final int OVERWRITE = 0, ADD = 1, SCALE = 2;

  /**
   * Packs rows [i0, i0+mc) × columns [p0, p0+kc) of alpha·op(A) into MR×kc panels: panel q holds rows
   * q·MR.., element (r, p) at q·MR·kc + p·MR + r; rows past mc are zero.
   */
  static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float alpha,
      float[] pa) {
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = Math.min(MR, mc - ir);
      int dst = ir * kc;
      if (transA) {
        int src = aOff + p0 * lda + i0 + ir;
        for (int p = 0; p < kc; p++, src += lda, dst += MR) {
          int r = 0;
          for (; r < mr; r++) pa[dst + r] = alpha * a[src + r];
          for (; r < MR; r++) pa[dst + r] = 0f;
        }
      } else {
        int r = 0;
        for (; r < mr; r++) {
          int src = aOff + (i0 + ir + r) * lda + p0;
          for (int p = 0; p < kc; p++) pa[dst + p * MR + r] = alpha * a[src + p];
        }
        for (; r < MR; r++) {
          for (int p = 0; p < kc; p++) pa[dst + p * MR + r] = 0f;
        }
      }
    }
  }

  /**
   * Packs rows [p0, p0+kc) × columns [j0, j0+nc) of op(B) into kc×NR panels: panel q holds columns
   * q·NR.., element (p, j) at q·NR·kc + p·NR + j; columns past nc are zero.
   */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] pb) {
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int dst = jr * kc;
      if (!transB) {
        int src = bOff + p0 * ldb + j0 + jr;
        if (nr == NR) {
          for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
            FloatVector.fromArray(S, b, src).intoArray(pb, dst);
            FloatVector.fromArray(S, b, src + VL).intoArray(pb, dst + VL);
          }
        } else {
          for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
            int j = 0;
            for (; j < nr; j++) pb[dst + j] = b[src + j];
            for (; j < NR; j++) pb[dst + j] = 0f;
          }
        }
      } else {
        int j = 0;
        for (; j < nr; j++) {
          int src = bOff + (j0 + jr + j) * ldb + p0;
          for (int p = 0; p < kc; p++) pb[dst + p * NR + j] = b[src + p];
        }
        for (; j < NR; j++) {
          for (int p = 0; p < kc; p++) pb[dst + p * NR + j] = 0f;
        }
      }
    }
  }

  /** The MR×NR micro-kernel: 8 accumulators, one broadcast of A and two vectors of B per step along k. */
  static void micro(int kc, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, int mode,
      float beta, int mr, int nr, float[] tile) {
    FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
    for (int p = 0; p < kc; p++) {
      int bp = bi + p * NR, ap = ai + p * MR;
      FloatVector b0 = FloatVector.fromArray(S, pb, bp);
      FloatVector b1 = FloatVector.fromArray(S, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(S, pa[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(S, pa[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(S, pa[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(S, pa[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    if (mr == MR && nr == NR) {
      store(c00, c01, c, ci, mode, beta);
      store(c10, c11, c, ci + ldc, mode, beta);
      store(c20, c21, c, ci + 2 * ldc, mode, beta);
      store(c30, c31, c, ci + 3 * ldc, mode, beta);
    } else {
      c00.intoArray(tile, 0);
      c01.intoArray(tile, VL);
      c10.intoArray(tile, NR);
      c11.intoArray(tile, NR + VL);
      c20.intoArray(tile, 2 * NR);
      c21.intoArray(tile, 2 * NR + VL);
      c30.intoArray(tile, 3 * NR);
      c31.intoArray(tile, 3 * NR + VL);
      for (int r = 0; r < mr; r++) {
        int row = ci + r * ldc, t = r * NR;
        for (int j = 0; j < nr; j++) {
          float v = tile[t + j];
          c[row + j] = mode == OVERWRITE ? v : mode == ADD ? c[row + j] + v : beta * c[row + j] + v;
        }
      }
    }
  }

  private static void store(FloatVector v0, FloatVector v1, float[] c, int ci, int mode, float beta) {
    if (mode == ADD) {
      v0 = v0.add(FloatVector.fromArray(S, c, ci));
      v1 = v1.add(FloatVector.fromArray(S, c, ci + VL));
    } else if (mode == SCALE) {
      FloatVector bv = FloatVector.broadcast(S, beta);
      v0 = FloatVector.fromArray(S, c, ci).fma(bv, v0);
      v1 = FloatVector.fromArray(S, c, ci + VL).fma(bv, v1);
    }
    v0.intoArray(c, ci);
    v1.intoArray(c, ci + VL);
  }
}
