package dev.embed4j.engine.cpu.gemm;

import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.MR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.NR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.S;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of op(A) and op(B) into the layouts {@link GemmMicroKernel} reads, zero-padding partial
 * panels so the kernel always computes a full tile. Every transpose combination ends in the same two
 * layouts, so the kernels never look at transA or transB.
 */
final class GemmPacking {
  private GemmPacking() {}

  /**
   * Rows [p0, p0+kc) × columns [j0, j0+nc) of op(B) into kc×NR panels: panel q holds columns q·NR..,
   * element (p, j) at q·NR·kc + p·NR + j, so one step of the kernel reads NR contiguous floats. Columns
   * past nc are zero.
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
        // B stored n×k: each column of op(B) is a contiguous row of B, read once and scattered with stride NR
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

  /**
   * Rows [i0, i0+mc) × columns [p0, p0+kc) of op(A) = Aᵀ (A stored k×m) into k-major MR×kc panels:
   * panel q holds rows q·MR.., element (r, p) at q·MR·kc + p·MR + r. Walks A one stored row (one k) at
   * a time, mc contiguous floats, dealing MR of them to each panel: panel by panel instead, every k
   * would touch a new line and page of A for 16 bytes (4096×384 Aᵀ: 22 → 75 GFLOP/s). Rows past mc
   * are zero.
   */
  static void packTransposedA(float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] pa) {
    int full = mc / MR * MR, panelStride = MR * kc;
    for (int p = 0; p < kc; p++) {
      int src = aOff + (p0 + p) * lda + i0, dst = p * MR;
      for (int i = 0; i < full; i += MR, dst += panelStride) {
        pa[dst] = a[src + i];
        pa[dst + 1] = a[src + i + 1];
        pa[dst + 2] = a[src + i + 2];
        pa[dst + 3] = a[src + i + 3];
      }
      if (full < mc) {
        int r = 0;
        for (; r < mc - full; r++) pa[dst + r] = a[src + full + r];
        for (; r < MR; r++) pa[dst + r] = 0f;
      }
    }
  }

  /**
   * Rows [i0, i0+mc) × columns [p0, p0+kc) of a non-transposed A, each row copied whole to stride kc
   * (row i at i·kc, so panel q's row r is at (q·MR + r)·kc), rows up to the next multiple of MR zero.
   * A plain copy, yet it pays (2048³: 74 → 79 GFLOP/s): read in place, the four rows of a power-of-two
   * lda fall into the same L1 sets as each other and the B panel, and a block spans many pages.
   */
  static void packRowsA(float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] pa) {
    int src = aOff + i0 * lda + p0;
    for (int i = 0; i < mc; i++, src += lda) System.arraycopy(a, src, pa, i * kc, kc);
    int padded = (mc + MR - 1) / MR * MR;
    if (padded > mc) java.util.Arrays.fill(pa, mc * kc, padded * kc, 0f);
  }
}
