package dev.embed4j.engine.cpu.gemm;

import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.MR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.NR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.S;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of op(A) and op(B) into the layouts {@link GemmMicroKernel} reads, zero-padding partial
 * panels so the kernel always computes a full tile. Every transpose combination ends in the same two
 * layouts, so the kernels never look at transA or transB.
 */
final class GemmPacking {
  private GemmPacking() {}

  /**
   * Rows [p0, p0+kc) × columns [j0, j0+nc) of op(B) into kc×NR panels: panel q holds columns q·NR..,
   * element (p, j) at pbOff + q·NR·kc + p·NR + j, so one step of the kernel reads NR contiguous floats.
   * Columns past nc are zero.
   */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] pb,
      int pbOff) {
    if (!transB) {
      // row by row: each row of B is read once, front to back, and dealt out to the panels (one line each);
      // panel by panel instead, the reads went down a column, one line per row of B, which the hardware
      // prefetcher follows badly when B is an activation coming from memory
      int full = nc / NR * NR;
      for (int p = 0; p < kc; p++) {
        int src = bOff + (p0 + p) * ldb + j0, dst = pbOff + p * NR;
        for (int jr = 0; jr < full; jr += NR, dst += NR * kc) {
          FloatVector.fromArray(S, b, src + jr).intoArray(pb, dst);
          FloatVector.fromArray(S, b, src + jr + VL).intoArray(pb, dst + VL);
        }
        if (full < nc) {
          int j = 0;
          for (; j < nc - full; j++) pb[dst + j] = b[src + full + j];
          for (; j < NR; j++) pb[dst + j] = 0f;
        }
      }
      return;
    }
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int dst = pbOff + jr * kc;
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
        // (0.6–0.7 ns per element; 8×8 transposes in registers through two-vector rearranges measured 0.7–0.8)
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
      int i = 0;
      if (QUAD) {
        // one 4-lane load and store per panel instead of four scalar copies
        for (; i < full; i += MR, dst += panelStride) FloatVector.fromArray(S4, a, src + i).intoArray(pa, dst);
      }
      for (; i < full; i += MR, dst += panelStride) {
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

  private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
  /** MR = 4 floats, one 128-bit vector: a panel's step of a transposed A. */
  private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;
  private static final boolean QUAD = MR == 4 && FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 128;
  /** Only where 256-bit vectors are native; elsewhere the scalar loop is the faster one. */
  private static final boolean VECTOR_INTERLEAVE = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
  // lane sources for two-vector rearranges: 8 + j takes lane j of the second vector
  private static final VectorShuffle<Float> LO = VectorShuffle.fromValues(S8, 0, 8, 1, 9, 2, 10, 3, 11);
  private static final VectorShuffle<Float> HI = VectorShuffle.fromValues(S8, 4, 12, 5, 13, 6, 14, 7, 15);
  private static final VectorShuffle<Float> PAIRS_LO = VectorShuffle.fromValues(S8, 0, 1, 8, 9, 2, 3, 10, 11);
  private static final VectorShuffle<Float> PAIRS_HI = VectorShuffle.fromValues(S8, 4, 5, 12, 13, 6, 7, 14, 15);

  /**
   * Interleaves four rows (row r at s0 + r·lda) eight k at a time into dst, k-major: a 4×8 transpose
   * in registers (four loads, eight two-vector rearranges, four stores) instead of 32 scalar copies:
   * 0.26 ns per element against 0.51–0.74 for the scalar loop (128×384 blocks, one Zen 3 core). Returns
   * how many k it did; the caller finishes the rest.
   */
  private static int interleave4(float[] a, int s0, int lda, int kc, float[] pa, int dst) {
    int p = 0;
    for (int end = kc - 8; p <= end; p += 8, dst += 32) {
      FloatVector r0 = FloatVector.fromArray(S8, a, s0 + p), r1 = FloatVector.fromArray(S8, a, s0 + lda + p);
      FloatVector r2 = FloatVector.fromArray(S8, a, s0 + 2 * lda + p);
      FloatVector r3 = FloatVector.fromArray(S8, a, s0 + 3 * lda + p);
      FloatVector t0 = r0.rearrange(LO, r1), t1 = r0.rearrange(HI, r1); // r0 r1 pairs, k 0-3 and 4-7
      FloatVector t2 = r2.rearrange(LO, r3), t3 = r2.rearrange(HI, r3);
      t0.rearrange(PAIRS_LO, t2).intoArray(pa, dst);
      t0.rearrange(PAIRS_HI, t2).intoArray(pa, dst + 8);
      t1.rearrange(PAIRS_LO, t3).intoArray(pa, dst + 16);
      t1.rearrange(PAIRS_HI, t3).intoArray(pa, dst + 24);
    }
    return p;
  }

  /**
   * Rows [i0, i0+mc) × columns [p0, p0+kc) of a non-transposed A into the same k-major MR×kc panels as
   * {@link #packTransposedA}: four rows are read side by side and interleaved, so the kernel finds the
   * four values of one k next to each other. Rows past mc are zero. The kernel reading four separate
   * rows instead (no interleave, a plain row copy) needed an address computation per row per k and six
   * concurrent streams: 35–45 GFLOP/s against 65–80 for the k-major panel on one Zen 3 core, measured
   * side by side.
   */
  static void packRowsA(float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] pa) {
    int full = mc / MR * MR;
    for (int i = 0; i < full; i += MR) {
      int s0 = aOff + (i0 + i) * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
      int p = VECTOR_INTERLEAVE ? interleave4(a, s0, lda, kc, pa, i * kc) : 0;
      for (int dst = i * kc + p * MR; p < kc; p++, dst += MR) {
        pa[dst] = a[s0 + p];
        pa[dst + 1] = a[s1 + p];
        pa[dst + 2] = a[s2 + p];
        pa[dst + 3] = a[s3 + p];
      }
    }
    if (full < mc) {
      int rows = mc - full, base = full * kc;
      for (int p = 0, dst = base; p < kc; p++, dst += MR) {
        int r = 0;
        for (; r < rows; r++) pa[dst + r] = a[aOff + (i0 + full + r) * lda + p0 + p];
        for (; r < MR; r++) pa[dst + r] = 0f;
      }
    }
  }
}
