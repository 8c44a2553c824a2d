package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Generator;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dropout's keep decisions for a run of consecutive element indices, several lanes at a time: exactly
 * {@link Generator#keepMask} (all ones where {@link Generator#uniform}(seed, index) ≥ p, else 0) for each
 * index, the decisions every backend makes. The scalar twin is {@code Generator.keepMask} itself.
 *
 * <p>Three rewrites of SplitMix64's finaliser make it cheaper, without changing a bit of the decision:
 * <ul>
 *   <li>index·C for consecutive indices is a running sum (start·C, then + lanes·C each step), so the
 *       first of its three 64-bit multiplies goes;
 *   <li>the last step, z ^ (z >>> 31), leaves bits 40–63 alone (z >>> 31 has nothing above bit 32), and
 *       the decision reads only those 24 bits, so it is skipped;
 *   <li>u ≥ threshold for u = z >>> 40 is z ≥ threshold·2^40 as unsigned 64-bit numbers, a signed
 *       compare once both sides have their sign bit flipped.
 * </ul>
 * AVX2 has no 64-bit multiply; C2 builds each one from three 32-bit ones, four lanes at a time. Measured
 * on one Zen 3 core (rows of 131 indices, repeated): 1.1–1.3 ns per index against 2.9–3.5 ns for the
 * scalar {@code keepMask} loop. Machines whose vectors hold fewer than four longs take the scalar loop.
 */
final class DropoutMasks {
  private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
  private static final int LANES = LS.length();
  /** Ints, as many lanes as LS: the decisions narrowed to 32 bits. */
  private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class,
      VectorShape.forBitSize(Math.max(64, LANES * 32)));
  private static final boolean VECTOR = LANES >= 4;
  private static final long INDEX_MUL = 0xD1B54A32D192ED03L;
  /** lane·INDEX_MUL for each lane, the offsets of the running index products. */
  private static final LongVector LANE_PRODUCTS = LongVector.zero(LS).addIndex(1).mul(INDEX_MUL);

  private DropoutMasks() {}

  /**
   * mask[off + j] = {@code Generator.keepMask(seed, first + j, threshold)} for j in [0, n), with
   * {@code threshold = Generator.keepThreshold(p)} for a rate p in [0, 1).
   */
  static void fill(int[] mask, int off, int n, long seed, long first, int threshold) {
    int j = 0;
    if (VECTOR) {
      LongVector limit = LongVector.broadcast(LS, ((long) threshold << 40) ^ Long.MIN_VALUE);
      LongVector products = LANE_PRODUCTS.add(first * INDEX_MUL);
      long step = LANES * INDEX_MUL;
      for (int up = n - LANES; j <= up; j += LANES, products = products.add(step)) {
        LongVector z = products.lanewise(VectorOperators.XOR, seed);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
        LongVector keep = (LongVector) z.lanewise(VectorOperators.XOR, Long.MIN_VALUE)
            .compare(VectorOperators.GE, limit).toVector();
        keep.convertShape(VectorOperators.L2I, IS, 0).reinterpretAsInts().intoArray(mask, off + j);
      }
    }
    for (; j < n; j++) mask[off + j] = Generator.keepMask(seed, first + j, threshold);
  }
}
