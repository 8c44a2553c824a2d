package dev.embed4j.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled inner kernels of {@link PackedGemm}: an {@value #MR}×{@code NR} tile of C, NR = two
 * vectors (16 floats with AVX2), held in 8 vector accumulators while k runs over a packed panel of B.
 * Each step along k loads two vectors of B, broadcasts four scalars of A and issues 8 independent FMAs.
 *
 * <p>Why 4×2 vectors and not the 6×2 of BLIS: C2 hoists all broadcasts of a step ahead of the FMAs, so
 * with 12 accumulators the 16 AVX2 registers run out and it spills (and even boxed an accumulator per
 * step); 8 accumulators still cover the FMA latency (4 cycles × 2 pipes on Zen 3). Measured alone with
 * panels in L1 (kc = 256, thread CPU time): 4×2 reaches 90–94 GFLOP/s on one Zen 3 core. The other tiles
 * and unrollings tried are in bench/RESULTS.md ("Kernel history moved from the Javadoc").
 *
 * <p>A is packed k-major ({@code ai + p·MR + r}) whatever its transpose, so one register addresses the
 * four broadcasts of a step: 19 instructions per 8 FMAs. The kernel scales by alpha when it
 * writes C: mode {@link #OVERWRITE} (beta = 0, C is never read, so NaN in C does not leak), {@link #ADD}
 * (beta = 1, or every k block after the first) or {@link #SCALE}.
 */
final class GemmMicroKernel {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int VL = S.length();
  static final int MR = 4;
  static final int NR = 2 * VL;
  static final int OVERWRITE = 0, ADD = 1, SCALE = 2;
  private static final VectorSpecies<Integer> SI = S.vectorShape().withLanes(int.class);

  /*
   * The whole-tile path adds C under a mask of int bits, -mode: all ones for ADD, zero for OVERWRITE. For OVERWRITE, C
   * then reads as +0.0 and acc + 0.0 is acc to the bit (an accumulator that starts at +0.0 never becomes -0.0), and
   * C's old values, NaN included, never reach the result. Computed, not branched on: a branch on the mode there was
   * still unseen in the profile when C2 first compiled the kernel (mid-loop, in the encoder's first GEMM, which only
   * overwrites), became an uncommon trap at the first k block that adds, and the deoptimised GEMM ran un-compiled for
   * another 0.3 s of a fresh JVM's first encode.
   */

  private GemmMicroKernel() {}

  /** C tile (+)= alpha·A·B over kc steps, A packed k-major: element (r, p) at ai + p·MR + r. */
  static void tile(int kc, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, int mode,
      float alpha, float beta, int mr, int nr, float[] tile) {
    FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
    // running indices, not p·MR and p·NR: C2 then addresses all four broadcasts off one register
    for (int ap = ai, bp = bi, end = ai + kc * MR; ap < end; ap += MR, bp += NR) {
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
    if (mr == MR && nr == NR && alpha == 1f && mode != SCALE) {
      // the common whole tile, written straight from the registers, here and not in a helper (see below):
      // 16 memory operations fewer per call than through the buffer. No speed-up is claimed: the one measured
      // (weight gradients 0.88-0.93) lay within the bias of the two-class-loader harness it came from
      int c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      // C is added under a mask, not a branch on the mode (see SI)
      IntVector keep = IntVector.broadcast(SI, -mode); // all ones for ADD, zero for OVERWRITE
      c00 = c00.add(FloatVector.fromArray(S, c, ci).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c01 = c01.add(FloatVector.fromArray(S, c, ci + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c10 = c10.add(FloatVector.fromArray(S, c, c1).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c11 = c11.add(FloatVector.fromArray(S, c, c1 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c20 = c20.add(FloatVector.fromArray(S, c, c2).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c21 = c21.add(FloatVector.fromArray(S, c, c2 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c30 = c30.add(FloatVector.fromArray(S, c, c3).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c31 = c31.add(FloatVector.fromArray(S, c, c3 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c00.intoArray(c, ci);
      c01.intoArray(c, ci + VL);
      c10.intoArray(c, c1);
      c11.intoArray(c, c1 + VL);
      c20.intoArray(c, c2);
      c21.intoArray(c, c2 + VL);
      c30.intoArray(c, c3);
      c31.intoArray(c, c3 + VL);
      return;
    }
    // Through a small buffer rather than a helper taking the 8 vectors: a callee C2 does not inline
    // (a matter of profile timing) gets them boxed, and one such run went 4x slower. The buffer stays in
    // L1 and costs 16 extra memory operations per kc·8 FMAs.
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    flush(tile, c, ci, ldc, mode, alpha, beta, mr, nr);
  }

  /**
   * The 8-row tile for machines with 32 vector registers (AVX-512): 8×NR of C in 16 accumulators, A read from
   * two consecutive k-major 4-row panels (rows 0–3 at ai, rows 4–7 at ai + kc·MR), so the packing is the
   * same as for {@link #tile}. Each k step loads two vectors of B and broadcasts eight scalars for 16 FMAs:
   * half the B traffic per FMA of the 4-row tile, which matters when a kc×NR panel of B (384×32 floats,
   * 48 KiB with 512-bit vectors) no longer fits L1 and streams from L2. 16 accumulators, 2 B vectors and
   * the hoisted broadcasts need 26 registers: it spills with AVX2's 16, so {@link PackedGemm} uses it only
   * where the preferred vector is 512 bits wide. Every C element sees the same FMAs in the same order as
   * in {@link #tile}, so the two agree bit for bit.
   */
  static void tile8(int kc, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, int mode,
      float alpha, float beta, int mr, int nr, float[] tile) {
    FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
    FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
    FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
    FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
    FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
    int second = kc * MR;
    for (int ap = ai, bp = bi, end = ai + kc * MR; ap < end; ap += MR, bp += NR) {
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
      av = FloatVector.broadcast(S, pa[ap + second]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(S, pa[ap + second + 1]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(S, pa[ap + second + 2]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(S, pa[ap + second + 3]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
    }
    if (mr == 2 * MR && nr == NR && alpha == 1f && mode != SCALE) {
      int c1 = ci + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc, c7 = c6 + ldc;
      IntVector keep = IntVector.broadcast(SI, -mode); // as in tile: no branch on the mode
      c00 = c00.add(FloatVector.fromArray(S, c, ci).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c01 = c01.add(FloatVector.fromArray(S, c, ci + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c10 = c10.add(FloatVector.fromArray(S, c, c1).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c11 = c11.add(FloatVector.fromArray(S, c, c1 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c20 = c20.add(FloatVector.fromArray(S, c, c2).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c21 = c21.add(FloatVector.fromArray(S, c, c2 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c30 = c30.add(FloatVector.fromArray(S, c, c3).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c31 = c31.add(FloatVector.fromArray(S, c, c3 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c40 = c40.add(FloatVector.fromArray(S, c, c4).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c41 = c41.add(FloatVector.fromArray(S, c, c4 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c50 = c50.add(FloatVector.fromArray(S, c, c5).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c51 = c51.add(FloatVector.fromArray(S, c, c5 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c60 = c60.add(FloatVector.fromArray(S, c, c6).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c61 = c61.add(FloatVector.fromArray(S, c, c6 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c70 = c70.add(FloatVector.fromArray(S, c, c7).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c71 = c71.add(FloatVector.fromArray(S, c, c7 + VL).reinterpretAsInts().and(keep).reinterpretAsFloats());
      c00.intoArray(c, ci);
      c01.intoArray(c, ci + VL);
      c10.intoArray(c, c1);
      c11.intoArray(c, c1 + VL);
      c20.intoArray(c, c2);
      c21.intoArray(c, c2 + VL);
      c30.intoArray(c, c3);
      c31.intoArray(c, c3 + VL);
      c40.intoArray(c, c4);
      c41.intoArray(c, c4 + VL);
      c50.intoArray(c, c5);
      c51.intoArray(c, c5 + VL);
      c60.intoArray(c, c6);
      c61.intoArray(c, c6 + VL);
      c70.intoArray(c, c7);
      c71.intoArray(c, c7 + VL);
      return;
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
    c60.intoArray(tile, 6 * NR);
    c61.intoArray(tile, 6 * NR + VL);
    c70.intoArray(tile, 7 * NR);
    c71.intoArray(tile, 7 * NR + VL);
    flush(tile, c, ci, ldc, mode, alpha, beta, mr, nr);
  }

  /**
   * C tile = alpha·tile (+ C, or + beta·C) for the mr×nr corner of a tile buffer of MR or 2·MR rows (row r at r·NR):
   * whole rows as two vectors, an edge tile (the padded panels computed a full one) element by element.
   */
  private static void flush(float[] tile, float[] c, int ci, int ldc, int mode, float alpha, float beta, int mr,
      int nr) {
    if (nr == NR) {
      for (int r = 0; r < mr; r++) {
        int row = ci + r * ldc, t = r * NR;
        FloatVector v0 = FloatVector.fromArray(S, tile, t).mul(alpha);
        FloatVector v1 = FloatVector.fromArray(S, tile, t + VL).mul(alpha);
        if (mode == ADD) {
          v0 = v0.add(FloatVector.fromArray(S, c, row));
          v1 = v1.add(FloatVector.fromArray(S, c, row + VL));
        } else if (mode == SCALE) {
          FloatVector bv = FloatVector.broadcast(S, beta);
          v0 = FloatVector.fromArray(S, c, row).fma(bv, v0);
          v1 = FloatVector.fromArray(S, c, row + VL).fma(bv, v1);
        }
        v0.intoArray(c, row);
        v1.intoArray(c, row + VL);
      }
      return;
    }
    for (int r = 0; r < mr; r++) {
      int row = ci + r * ldc, t = r * NR;
      for (int j = 0; j < nr; j++) {
        float v = alpha * tile[t + j];
        c[row + j] = mode == OVERWRITE ? v : mode == ADD ? c[row + j] + v : beta * c[row + j] + v;
      }
    }
  }
}
