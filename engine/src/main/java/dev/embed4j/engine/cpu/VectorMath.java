package dev.embed4j.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised exp and the erf-based GELU, as FMA polynomials over {@link FloatVector} lanes. They exist
 * because the hot kernels (softmax, cross-entropy, GELU) spend most of their time in exp, and a
 * polynomial that C2 compiles to a dozen vector instructions is predictable on every CPU, whereas
 * {@code lanewise(EXP)} is fast only where the JDK ships an intrinsic library for that CPU and falls back to
 * one {@code Math.exp} call per lane elsewhere.
 *
 * <p>exp: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2 in two floats), e^r by the degree-6
 * minimax polynomial of Cephes' expf, 2^k built from exponent bits as two factors 2^(k/2)·2^(k−k/2) so
 * both stay normal over the whole float range: results are within 2 ulp of the correctly rounded value
 * for normal results, ±inf and NaN propagate, results below FLT_MIN (x &lt; −87.34) flush to 0.
 *
 * <p>GELU(x) = ½·x·(1 + erf(x/√2)) uses the Chebyshev fit of erfc that {@link Erf} uses in double
 * (relative error 1.2e-7 over the whole line, so the negative tail keeps its relative accuracy too), which
 * costs one exp and one division per lane.
 */
public final class VectorMath {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
  private static final float ROUND_MAGIC = 12582912f;
  private static final int ROUND_MAGIC_BITS = 0x4B400000;
  /**
   * Below ln(FLT_MIN) the result is flushed to zero: a denormal result costs a microcode assist of a
   * hundred cycles or more on x86, and softmax over masked (−1e4, −inf) logits would hit it on every
   * masked lane. Above ln(FLT_MAX) the product overflows to +inf by itself.
   */
  private static final float EXP_LO = -87.33654f, EXP_HI = 89f;

  private static final float INV_SQRT2 = 0.70710678118654752f;
  private static final float INV_SQRT_2PI = 0.3989422804014327f;

  /**
   * Shuffles that fold a vector onto itself: lane i takes lane (i + L/2^(k+1)) mod L. Summing with them is
   * a fixed pairwise tree, so a sum is bit-identical in the interpreter (the Vector API's Java fallback),
   * C1 and C2. {@code reduceLanes(ADD)} leaves the order open, and the fallback and the C2 intrinsic do
   * differ: a training run then drifts by a few ulp depending on when each kernel got compiled, which is
   * what broke exact resume from a checkpoint.
   */
  private static final VectorShuffle<Float>[] FOLD = folds();
  /**
   * The same shuffles as constants: C2 intrinsifies a rearrange only when it knows the shuffle's exact
   * class, which an element loaded from {@link #FOLD} does not give it; then every call ran the Java
   * fallback, boxing included (1.2 % of a training step in a profile). Null past the species' folds.
   */
  private static final VectorShuffle<Float> FOLD0 = fold(0), FOLD1 = fold(1), FOLD2 = fold(2), FOLD3 = fold(3);

  private VectorMath() {}

  private static VectorShuffle<Float> fold(int k) {
    return k < FOLD.length ? FOLD[k] : null;
  }

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] folds() {
    int n = Integer.numberOfTrailingZeros(S.length());
    VectorShuffle<Float>[] f = new VectorShuffle[n];
    for (int k = 0; k < n; k++) f[k] = VectorShuffle.iota(S, S.length() >> (k + 1), 1, true);
    return f;
  }

  /** The sum of the lanes, in the same order on every tier (see {@link #FOLD}). */
  public static float sum(FloatVector v) {
    if (FOLD.length > 4) { // vectors wider than 512 bits (SVE): the loop, intrinsics or not
      for (VectorShuffle<Float> f : FOLD) v = v.add(v.rearrange(f));
      return v.lane(0);
    }
    // FOLD.length is a constant, so C2 keeps only the folds this species has
    if (FOLD.length > 0) v = v.add(v.rearrange(FOLD0));
    if (FOLD.length > 1) v = v.add(v.rearrange(FOLD1));
    if (FOLD.length > 2) v = v.add(v.rearrange(FOLD2));
    if (FOLD.length > 3) v = v.add(v.rearrange(FOLD3));
    return v.lane(0);
  }

  /** e^x lane by lane. */
  public static FloatVector exp(FloatVector x) {
    // compare-and-blend rather than max/min: Java's max has NaN and ±0 rules that cost several
    // instructions per call on AVX2, and a NaN lane compares false, so it flows through unchanged
    FloatVector xc = x.blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO));
    xc = xc.blend(EXP_HI, xc.compare(VectorOperators.GT, EXP_HI));
    FloatVector t = xc.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND_MAGIC));
    FloatVector kf = t.sub(ROUND_MAGIC);
    IntVector k = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
    FloatVector r = kf.fma(FloatVector.broadcast(S, -LN2_HI), xc);
    r = kf.fma(FloatVector.broadcast(S, -LN2_LO), r);
    // Estrin's scheme, not Horner's: three independent pairs, then two levels, a chain of 4 FMAs instead
    // of 6 (the loops around exp are latency-bound: see the class comment)
    FloatVector r2 = r.mul(r);
    FloatVector p01 = r.fma(FloatVector.broadcast(S, 1.6666665459e-1f), FloatVector.broadcast(S, 5.0000001201e-1f));
    FloatVector p23 = r.fma(FloatVector.broadcast(S, 8.3334519073e-3f), FloatVector.broadcast(S, 4.1665795894e-2f));
    FloatVector p45 = r.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
    FloatVector p = p45.fma(r2.mul(r2), p23.fma(r2, p01));
    p = p.fma(r2, r).add(1f);
    IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
    IntVector k2 = k.sub(k1);
    FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(s1).mul(s2).blend(0f, x.compare(VectorOperators.LT, EXP_LO));
  }

  /** e^x for a scalar, the same polynomial as {@link #exp(FloatVector)}, for loop tails. */
  public static float exp(float x) {
    float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
    float t = Math.fma(xc, LOG2E, ROUND_MAGIC);
    float kf = t - ROUND_MAGIC;
    int k = Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS;
    float r = Math.fma(kf, -LN2_HI, xc);
    r = Math.fma(kf, -LN2_LO, r);
    float r2 = r * r;
    float p01 = Math.fma(r, 1.6666665459e-1f, 5.0000001201e-1f);
    float p23 = Math.fma(r, 8.3334519073e-3f, 4.1665795894e-2f);
    float p45 = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
    float p = Math.fma(p45, r2 * r2, Math.fma(p23, r2, p01));
    p = Math.fma(p, r2, r) + 1f;
    int k1 = k >> 1, k2 = k - k1;
    if (Float.isNaN(x)) return x;
    if (x < EXP_LO) return 0f;
    return p * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
  }

  /**
   * erfc(z)·e^{z²} is approximated by t·exp(−1.26551223 + t·P(t)), t = 1/(1 + z/2), z ≥ 0; this returns
   * erfc(z) = t·exp(−z² + that exponent). −z² is passed in, formed from x rather than z: the rounding of
   * z = |x|/√2 would cost z²·1.2e-7 of relative accuracy in the result, 1e-6 already at x = 4.
   */
  private static FloatVector erfc(FloatVector z, FloatVector minusZSquared) {
    FloatVector t = z.fma(FloatVector.broadcast(S, 0.5f), FloatVector.broadcast(S, 1f));
    t = FloatVector.broadcast(S, 1f).div(t);
    // Estrin's scheme over t: five independent pairs, then three levels (a chain of 5 FMAs, not 9)
    FloatVector t2 = t.mul(t), t4 = t2.mul(t2);
    FloatVector q01 = t.fma(FloatVector.broadcast(S, 1.00002368f), FloatVector.broadcast(S, -1.26551223f));
    FloatVector q23 = t.fma(FloatVector.broadcast(S, 0.09678418f), FloatVector.broadcast(S, 0.37409196f));
    FloatVector q45 = t.fma(FloatVector.broadcast(S, 0.27886807f), FloatVector.broadcast(S, -0.18628806f));
    FloatVector q67 = t.fma(FloatVector.broadcast(S, 1.48851587f), FloatVector.broadcast(S, -1.13520398f));
    FloatVector q89 = t.fma(FloatVector.broadcast(S, 0.17087277f), FloatVector.broadcast(S, -0.82215223f));
    FloatVector q = q67.fma(t2, q45).fma(t4, q23.fma(t2, q01)).add(q89.mul(t4.mul(t4)));
    return t.mul(exp(minusZSquared.add(q)));
  }

  /** Φ(x) = ½·(1 + erf(x/√2)), the standard normal CDF. */
  public static FloatVector normalCdf(FloatVector x) {
    FloatVector r = erfc(x.abs().mul(INV_SQRT2), x.mul(-0.5f).mul(x)); // −x²/2: −0.5·x is exact
    VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
    // for x ≥ 0, 1 + erf = 2 − erfc; for x < 0, 1 + erf = erfc(|x|/√2)
    return FloatVector.broadcast(S, 2f).sub(r).blend(r, neg).mul(0.5f);
  }

  /** GELU(x) = x·Φ(x). */
  public static FloatVector gelu(FloatVector x) {
    return x.mul(normalCdf(x));
  }

  /** φ(x) = e^{−x²/2}/√(2π), the standard normal density. */
  public static FloatVector normalPdf(FloatVector x) {
    return exp(x.mul(-0.5f).mul(x)).mul(INV_SQRT_2PI);
  }

  /** GELU'(x)·g = (Φ(x) + x·φ(x))·g. */
  public static FloatVector geluBackward(FloatVector x, FloatVector g) {
    return x.fma(normalPdf(x), normalCdf(x)).mul(g);
  }
}
