package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels over contiguous {@code float[]} ranges: the unary functions and their backward, and
 * dropout. Twin: {@link ElementwiseReference}.
 *
 * <p>Layout: x, y, gy, gx contiguous from their offsets; y may alias x (in-place scaling). Each op has its
 * own loop, so the op's switch is decided once per call and the Vector API calls see constant operators
 * (a non-constant operator makes C2 give up the intrinsic and box every vector). Loads are
 * {@code FloatVector.fromArray} calls written out, never a helper method: C2 compiled such a helper on its
 * own inside the GELU backward instead of inlining it, and then boxed the vector it returned on every call
 * (1.4 % of a training step). The tail (fewer than
 * one vector) goes through the scalar twin. Work above {@link #GRAIN} elements is split into contiguous
 * chunks over {@link Parallel}.
 *
 * <p>Cost: memory-bound (8 or 12 bytes per element) for everything but EXP, TANH, LOG, POW and GELU;
 * GELU costs one exp and one division per lane. The GELU JMH benchmark (4096×1536) measures this against
 * the scalar twin.
 */
public final class ElementwiseKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
  /** Below this many elements a call stays on the calling thread: a fork costs a few microseconds. */
  static final int GRAIN = 1 << 15;
  /** Elements per block of a two-loop kernel: 4 KiB per array, well inside L1. */
  private static final int BLOCK = 1024;

  private ElementwiseKernels() {}

  public static void unary(UnaryOp op, float param, float[] x, int xOff, float[] y, int yOff, int n) {
    Parallel.forRange(n, GRAIN, (lo, hi) -> unaryRange(op, param, x, xOff + lo, y, yOff + lo, hi - lo));
  }

  private static void unaryRange(UnaryOp op, float p, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0, bound = S.loopBound(n);
    switch (op) {
      case EXP -> i = exp(x, xo, y, yo, i, bound);
      // LOG, TANH and POW(p ∉ {1, 2}) take the scalar loop below: lanewise(LOG/TANH/POW) rounds differently in the
      // Vector API's Java fallback and in its C2 intrinsic, so results would depend on when the JIT got there
      case LOG -> { }
      case SQRT -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(y, yo + i); }
      case NEG -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).neg().intoArray(y, yo + i); }
      case TANH -> { }
      case GELU -> i = gelu(x, xo, y, yo, i, bound);
      case POW -> {
        if (p == 2f) {
          for (; i < bound; i += L) { FloatVector v = FloatVector.fromArray(S, x, xo + i); v.mul(v).intoArray(y, yo + i); }
        } else if (p == 1f) {
          for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).intoArray(y, yo + i);
        }
      }
      case SCALE -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).mul(p).intoArray(y, yo + i); }
      case ADD_SCALAR -> { for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).add(p).intoArray(y, yo + i); }
      case RELU -> {
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += L) {
          FloatVector v = FloatVector.fromArray(S, x, xo + i);
          zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i);
        }
      }
    }
    for (; i < n; i++) y[yo + i] = ElementwiseReference.apply(op, p, x[xo + i]);
  }

  /** gx = f'(x)·gy over n contiguous elements (all four arrays from offset 0). */
  public static void unaryBackward(UnaryOp op, float param, float[] x, float[] y, float[] gy, float[] gx, int n) {
    Parallel.forRange(n, GRAIN, (lo, hi) -> unaryBackwardRange(op, param, x, y, gy, gx, lo, hi));
  }

  private static void unaryBackwardRange(UnaryOp op, float p, float[] x, float[] y, float[] gy, float[] gx, int lo,
      int hi) {
    int i = lo, bound = lo + S.loopBound(hi - lo);
    switch (op) {
      case EXP -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).mul(FloatVector.fromArray(S, y, i)).intoArray(gx, i); }
      case LOG -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).div(FloatVector.fromArray(S, x, i)).intoArray(gx, i); }
      case SQRT -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).mul(0.5f).div(FloatVector.fromArray(S, y, i)).intoArray(gx, i); }
      case NEG -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).neg().intoArray(gx, i); }
      case TANH -> {
        // 1 − y² by one fma: near |y| = 1 a separate y·y would round away most of the difference
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += L) {
          FloatVector v = FloatVector.fromArray(S, y, i);
          v.neg().fma(v, one).mul(FloatVector.fromArray(S, gy, i)).intoArray(gx, i);
        }
      }
      case GELU -> i = geluBackward(x, gy, gx, i, bound);
      case POW -> {
        if (p == 2f) {
          for (; i < bound; i += L) FloatVector.fromArray(S, x, i).mul(2f).mul(FloatVector.fromArray(S, gy, i)).intoArray(gx, i);
        } else if (p == 1f) {
          for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).intoArray(gx, i);
        } // otherwise the scalar loop, as in the forward
      }
      case SCALE -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).mul(p).intoArray(gx, i); }
      case ADD_SCALAR -> { for (; i < bound; i += L) FloatVector.fromArray(S, gy, i).intoArray(gx, i); }
      case RELU -> {
        FloatVector zero = FloatVector.zero(S);
        for (; i < bound; i += L) {
          zero.blend(FloatVector.fromArray(S, gy, i), FloatVector.fromArray(S, x, i).compare(VectorOperators.GT, 0f)).intoArray(gx, i);
        }
      }
    }
    for (; i < hi; i++) gx[i] = ElementwiseReference.derivative(op, p, x[i], y[i], gy[i]);
  }

  /**
   * GELU' over [from, to) (a multiple of L long); returns {@code to}. Φ(x) goes into gx, then
   * gx = (gx + x·φ(x))·gy, block by block so a block stays in L1, each loop a method of its own: C2
   * compiles only so many nodes into one method (NodeCountInliningCutoff), and a method holding both
   * exps, or a switch holding every op's vector loop, ran past it, leaving calls that box each vector
   * (10× slower, measured). If gx aliases an input the block goes through a scratch buffer.
   */
  private static int geluBackward(float[] x, float[] gy, float[] gx, int from, int to) {
    boolean aliased = gx == x || gx == gy;
    float[] cdf = aliased ? new float[BLOCK] : gx;
    for (int b = from; b < to; b += BLOCK) {
      int e = Math.min(to, b + BLOCK);
      normalCdf(x, b, cdf, aliased ? 0 : b, e - b);
      geluBackwardFromCdf(x, gy, cdf, aliased ? 0 : b, gx, b, e - b);
    }
    return to;
  }

  /**
   * y = GELU(x) and d = GELU'(x) = Φ(x) + x·φ(x): the same bits as {@link #unary} and {@link #unaryBackward}
   * with gy = 1 give, in one pass, so that a backward of gy·d needs no normal CDF of its own.
   */
  public static void geluWithDerivative(float[] x, float[] y, float[] d, int n) {
    Parallel.forRange(n, GRAIN, (lo, hi) -> {
      int i = lo + S.loopBound(hi - lo);
      // two passes, one exp each (see biasAndDensity), over blocks that stay in L1
      for (int b = lo; b < i; b += BLOCK) {
        int e = Math.min(i, b + BLOCK);
        density(x, d, b, e - b);
        geluFromDensity(x, y, d, b, e - b);
      }
      for (; i < hi; i++) {
        y[i] = ElementwiseReference.apply(UnaryOp.GELU, 0f, x[i]);
        d[i] = ElementwiseReference.derivative(UnaryOp.GELU, 0f, x[i], y[i], 1f);
      }
    });
  }

  /**
   * A fully connected layer's epilogue on rows [row, row + rows) × columns [col, col + cols) of y ([·, n],
   * contiguous) as the GEMM leaves them: v = y + bias[col..], then y = v, or with {@code gelu} y = GELU(v) and, where
   * d is not null, d = GELU'(v). The same bits as adding the bias and then {@link #unary} (d null) or
   * {@link #geluWithDerivative} over whole rows (cols a multiple of the vector length, as the encoder's are).
   *
   * <p>Each case has a loop of its own. With all three in one loop body C2 stopped inlining
   * {@code VectorMath.normalPdf} (NodeCountInliningCutoff), and every element then boxed its vectors: 1.3 GB of
   * Float256Vector objects a 128-token training step.
   */
  public static void biasActivation(float[] y, int n, int row, int rows, int col, int cols, float[] bias, boolean gelu,
      float[] d) {
    if (!gelu) biasOnly(y, n, row, rows, col, cols, bias);
    else if (d == null) biasGelu(y, n, row, rows, col, cols, bias);
    else biasGeluWithDerivative(y, n, row, rows, col, cols, bias, d);
  }

  /** y += bias: a plain loop, which C2 vectorises itself (memory-bound, and far cheaper before C2 compiles it). */
  private static void biasOnly(float[] y, int n, int row, int rows, int col, int cols, float[] bias) {
    for (int r = row; r < row + rows; r++) {
      int o = r * n + col;
      for (int j = 0; j < cols; j++) y[o + j] = y[o + j] + bias[col + j];
    }
  }

  private static void biasGelu(float[] y, int n, int row, int rows, int col, int cols, float[] bias) {
    int bound = S.loopBound(cols);
    for (int r = row; r < row + rows; r++) {
      int o = r * n + col, j = 0;
      for (; j < bound; j += L) {
        VectorMath.gelu(FloatVector.fromArray(S, y, o + j).add(FloatVector.fromArray(S, bias, col + j)))
            .intoArray(y, o + j);
      }
      for (; j < cols; j++) y[o + j] = ElementwiseReference.apply(UnaryOp.GELU, 0f, y[o + j] + bias[col + j]);
    }
  }

  private static void biasGeluWithDerivative(float[] y, int n, int row, int rows, int col, int cols, float[] bias,
      float[] d) {
    int bound = S.loopBound(cols);
    for (int r = row; r < row + rows; r++) {
      int o = r * n + col;
      biasAndDensity(y, o, bias, col, d, bound);
      geluFromDensity(y, y, d, o, bound);
      for (int j = bound; j < cols; j++) {
        float v = y[o + j] + bias[col + j];
        y[o + j] = ElementwiseReference.apply(UnaryOp.GELU, 0f, v);
        d[o + j] = ElementwiseReference.derivative(UnaryOp.GELU, 0f, v, y[o + j], 1f);
      }
    }
  }

  /**
   * v = y[o + j] + bias[b + j] into y and φ(v) into d, j &lt; n (a multiple of L). The first half of GELU with its
   * derivative, split from {@link #geluFromDensity} so that each loop holds one exp: with both in one body C2 hit
   * its node-count cutoff before inlining the second, and boxed every vector passed to it.
   */
  private static void biasAndDensity(float[] y, int o, float[] bias, int b, float[] d, int n) {
    for (int j = 0; j < n; j += L) {
      FloatVector v = FloatVector.fromArray(S, y, o + j).add(FloatVector.fromArray(S, bias, b + j));
      v.intoArray(y, o + j);
      VectorMath.normalPdf(v).intoArray(d, o + j);
    }
  }

  /** d[o + j] = φ(x[o + j]), j &lt; n (a multiple of L). */
  private static void density(float[] x, float[] d, int o, int n) {
    for (int j = 0; j < n; j += L) VectorMath.normalPdf(FloatVector.fromArray(S, x, o + j)).intoArray(d, o + j);
  }

  /**
   * With v in x[o..] and φ(v) in d[o..]: y = GELU(v) = v·Φ(v) and d = GELU'(v) = Φ(v) + v·φ(v), j &lt; n (a multiple
   * of L); y may be x. The same bits as {@code v.fma(normalPdf(v), normalCdf(v))}.
   */
  private static void geluFromDensity(float[] x, float[] y, float[] d, int o, int n) {
    for (int j = 0; j < n; j += L) {
      FloatVector v = FloatVector.fromArray(S, x, o + j);
      FloatVector cdf = VectorMath.normalCdf(v);
      v.mul(cdf).intoArray(y, o + j);
      v.fma(FloatVector.fromArray(S, d, o + j), cdf).intoArray(d, o + j);
    }
  }

  private static final ThreadLocal<int[][]> MASK_ROW = ThreadLocal.withInitial(() -> new int[1][0]);

  /**
   * The epilogue of a fully connected layer followed by dropout and a residual connection, on rows
   * [row, row + rows) × columns [col, col + cols) of y ([·, n], contiguous): y = dropout_p(y + bias) + residual,
   * the dropout decided per flat index r·n + j from {@code seed} exactly as {@link #dropout} decides it (p = 0: no
   * dropout). The same bits as the bias add, {@link #dropout} and the residual add done one after the other.
   */
  public static void biasDropoutAdd(float[] y, int n, int row, int rows, int col, int cols, float[] bias, float p,
      long seed, float[] residual) {
    float scale = 1f / (1f - p);
    int threshold = Generator.keepThreshold(p), bound = S.loopBound(cols);
    int[][] holder = MASK_ROW.get();
    if (holder[0].length < cols) holder[0] = new int[cols];
    int[] mask = holder[0];
    for (int r = row; r < row + rows; r++) {
      int o = r * n + col, j = 0;
      if (p > 0f) {
        DropoutMasks.fill(mask, 0, cols, seed, (long) o, threshold);
        for (; j < bound; j += L) {
          FloatVector v = FloatVector.fromArray(S, y, o + j).add(FloatVector.fromArray(S, bias, col + j)).mul(scale)
              .reinterpretAsInts().and(IntVector.fromArray(INTS, mask, j)).reinterpretAsFloats();
          v.add(FloatVector.fromArray(S, residual, o + j)).intoArray(y, o + j);
        }
        for (; j < cols; j++) {
          float v = Float.intBitsToFloat(Float.floatToRawIntBits((y[o + j] + bias[col + j]) * scale) & mask[j]);
          y[o + j] = v + residual[o + j];
        }
      } else {
        // no dropout (inference): a plain loop, as in biasOnly
        for (; j < cols; j++) y[o + j] = y[o + j] + bias[col + j] + residual[o + j];
      }
    }
  }

  /** out[oo + i] = Φ(x[xo + i]), n a multiple of L. */
  private static void normalCdf(float[] x, int xo, float[] out, int oo, int n) {
    for (int i = 0; i < n; i += L) VectorMath.normalCdf(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
  }

  /** gx[o + i] = (cdf[co + i] + x·φ(x))·gy at o + i, n a multiple of L. */
  private static void geluBackwardFromCdf(float[] x, float[] gy, float[] cdf, int co, float[] gx, int o, int n) {
    for (int i = 0; i < n; i += L) {
      FloatVector xv = FloatVector.fromArray(S, x, o + i);
      VectorMath.normalPdf(xv).fma(xv, FloatVector.fromArray(S, cdf, co + i)).mul(FloatVector.fromArray(S, gy, o + i)).intoArray(gx, o + i);
    }
  }

  /** GELU over [from, to) (a multiple of L long); returns {@code to}. See {@link #geluBackward}. */
  private static int gelu(float[] x, int xo, float[] y, int yo, int from, int to) {
    for (int i = from; i < to; i += L) VectorMath.gelu(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
    return to;
  }

  /** e^x over [from, to) (a multiple of L long); returns {@code to}. See {@link #geluBackward}. */
  private static int exp(float[] x, int xo, float[] y, int yo, int from, int to) {
    for (int i = from; i < to; i += L) VectorMath.exp(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
    return to;
  }

  /**
   * y = x·keep/(1 − p) with keep = {@link Generator#uniform}(seed, i) ≥ p, so the mask is a pure function
   * of (seed, i): the same on every backend and for any split over threads. The decisions come from
   * {@link DropoutMasks}, several lanes at a time.
   */
  public static void dropout(float[] x, float[] y, int n, float p, long seed) {
    float scale = 1f / (1f - p);
    int threshold = Generator.keepThreshold(p);
    Parallel.forRange(n, GRAIN, (lo, hi) -> {
      // x·scale where kept, +0 where dropped (even for a NaN or infinite x), as uniform(seed, i) >= p decides;
      // the decisions a block at a time (DropoutMasks), then one vector pass applying them
      int[] mask = new int[Math.min(BLOCK, hi - lo)];
      for (int b0 = lo; b0 < hi; b0 += BLOCK) {
        int len = Math.min(BLOCK, hi - b0), i = 0;
        DropoutMasks.fill(mask, 0, len, seed, b0, threshold);
        for (int bound = S.loopBound(len); i < bound; i += L) {
          FloatVector.fromArray(S, x, b0 + i).mul(scale).reinterpretAsInts().and(IntVector.fromArray(INTS, mask, i))
              .reinterpretAsFloats().intoArray(y, b0 + i);
        }
        for (; i < len; i++) y[b0 + i] = Float.intBitsToFloat(Float.floatToRawIntBits(x[b0 + i] * scale) & mask[i]);
      }
    });
  }

  /** dst[off .. off+n) = value. */
  public static void fill(float[] dst, int off, int n, float value) {
    Parallel.forRange(n, GRAIN * 4, (lo, hi) -> java.util.Arrays.fill(dst, off + lo, off + hi, value));
  }

}
