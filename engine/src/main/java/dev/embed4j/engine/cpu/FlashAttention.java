package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.cpu.gemm.PackedGemm;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused scaled-dot-product attention, O = softmax(Q·Kᵀ·scale + mask)·V, forward and backward, flash-attention
 * style: the seqQ × seqK score matrix never exists, only one block of {@link #BLOCK_ROWS} query rows of it
 * per thread. The plain twin is {@link dev.embed4j.engine.cpu.reference.AttentionReference}.
 *
 * <p><b>Layout.</b> q, out, gq, gOut are contiguous [batch, heads, seqQ, dim]; k, v, gk, gv are
 * [batch, heads, seqK, dim]; lse is [batch, heads, seqQ]; the key mask is [batch, seqK], 0 meaning padding
 * (any other value attends), or null.
 *
 * <p><b>Blocking.</b> Work is split over the batch × heads pairs ({@link Parallel#forRange}), so each pair's
 * gk and gv rows are written by one thread and need no reduction. Within a pair, K and V are packed once
 * (as Kᵀ, Vᵀ, K or V) into panels of two vectors' width, so every product below is a row-major "broadcast a
 * scalar of A, FMA a vector row of B" micro-kernel of 4 rows × 2 vectors (8 accumulators, which with the
 * two B vectors and a broadcast fits AVX2's 16 registers) whose inner loop has no bounds checks left
 * ({@link #panelGemm}). Then, per block of
 * query rows, the whole block × keys score tile is computed at once: the block's row max and sum are exact (no
 * online rescaling needed), and the tile is at most {@code BLOCK_ROWS · seqK} floats (32 KiB at seqK = 256)
 * in the forward, {@link #BACKWARD_TILE} floats in the backward. Forward per block: S = Q·Kᵀ,
 * S = S·scale + bias (0 or −∞ per key), P = exp(S − max), O = P·V / Σ P, lse = max + log Σ P. Backward per
 * block recomputes P = exp(S − lse) from the saved lse, then dP = dO·Vᵀ, D = rowsum(dO ∘ O),
 * dS = P ∘ (dP − D)·scale, dQ = dS·K, dK (+)= dSᵀ·Q, dV (+)= Pᵀ·dO. dK and dV reduce over the block's query
 * rows, so the backward's blocks are as tall as the tile allows (all 128 rows at seqK = 128: one
 * read-modify-write of dK and dV per pair) and dSᵀ, Pᵀ, Q and dO are packed for the GEMM's own micro-kernel
 * ({@link PackedGemm#packedProduct}), which has no bounds checks in its loop.
 * Keys after the last unmasked one (right padding, the usual case) are skipped outright: they contribute
 * nothing and their gk, gv are zero.
 *
 * <p><b>Dropout on the attention probabilities</b> (BERT's attention_probs_dropout_prob, training only):
 * with rate p, O = (P ∘ Z / (1 − p))·V where Z_ij keeps an element when
 * {@link dev.embed4j.engine.Generator#uniform}(seed, (pair·seqQ + i)·seqK + j) ≥ p, so every backend draws
 * the same mask from the same seed, and the backward redraws it instead of saving it. The lse is that of
 * the undropped scores. Backward: dP = (dO·Vᵀ) ∘ Z / (1 − p), D = rowsum(dO ∘ O) as before (it equals
 * Σ_j P_ij·dP_ij), dS = P ∘ (dP − D)·scale, dV += (P ∘ Z / (1 − p))ᵀ·dO.
 *
 * <p><b>Fully-masked rows.</b> When every key of a batch row is padding, the softmax is undefined; this
 * kernel (and the reference) define it as attending to nothing: the output rows are 0, lse is −∞ and the
 * gradients through those rows are 0 (no NaN anywhere).
 *
 * <p><b>Cost.</b> Forward 4·B·H·seqQ·seqK·dim flops (two products) plus B·H·seqQ·seqK exponentials;
 * backward 10·B·H·seqQ·seqK·dim (five products, one of them the recomputed S). Memory per thread:
 * 4·dim·seqK + 2·rows·seqK + (seqK + 3)·rows + dim·rows + seqK floats of scratch (rows = the backward's block
 * height), reused across calls; nothing is allocated per call
 * once the scratch has grown. Bytes moved are those of the tensors themselves (K and V of a pair stay in
 * L1/L2 while its query blocks stream past).
 *
 * <p><b>Measured</b> (one thread, JDK 25, a 2-core AVX2 AMD EPYC shared with other builds, so only the best
 * of 40 runs means anything; the quiet figures come from {@code AttentionBenchmark}): BERT-mini
 * 32×12×128×32 forward 22.5 ms (36 GFLOP/s), backward 47 ms (43 GFLOP/s); 8×12×256×64 forward 41 ms
 * (39 GFLOP/s), backward 134 ms (30 GFLOP/s). The double-precision reference took about 3.7 s for the
 * BERT-mini forward (JMH, noisy), some 80 times slower. What the panels and the tall backward blocks gained
 * over the earlier layouts is in bench/RESULTS.md ("Kernel history moved from the Javadoc").
 */
public final class FlashAttention {
  /** Query rows per block: 32 keeps the score tile in L1/L2 for the usual seqK of 128 to 512. */
  public static final int BLOCK_ROWS = 32;

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  /**
   * Columns per panel of a packed B operand of {@link #panelGemm}: two vectors, the GEMM micro-kernel's panel width,
   * so that the same packing feeds {@link PackedGemm#packedProduct}.
   */
  private static final int NP = PackedGemm.PANEL_COLUMNS;
  /** Rows of an A panel of {@link PackedGemm#packedProduct}; {@link #packTransposedTile} copies them as one 4-lane vector. */
  private static final int MP = PackedGemm.PANEL_ROWS;
  private static final VectorSpecies<Float> PANEL_ROW = VectorSpecies.of(float.class, VectorShape.forBitSize(32 * MP));
  /** Scores per block in the backward: at seqK = 128, all 128 query rows of a pair at once (64 KiB a tile). */
  static final int BACKWARD_TILE = 1 << 14;
  private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
  /** Below roughly this many multiply-adds a chunk of pairs runs inline rather than on another thread. */
  private static final long GRAIN_FLOPS = 1 << 18;

  private FlashAttention() {}

  /** Per-thread buffers, grown on demand and kept, so the kernels allocate nothing in steady state. */
  private static final class Scratch {
    /**
     * K and V of the current pair packed as B operands of {@link #panelGemm}: kt and vt hold Kᵀ and Vᵀ (dim × keys),
     * kp and vp hold K and V (keys × dim).
     */
    float[] kt = new float[0], vt = new float[0], kp = new float[0], vp = new float[0];
    float[] s = new float[0], dp = new float[0], bias = new float[0];
    /** dSᵀ or Pᵀ of a backward block, packed as A operands of {@link PackedGemm#packedProduct}; Q or dO rows as B. */
    float[] pa = new float[0], pq = new float[0];
    /** An edge tile of panelGemm, stored through here: 4 rows of {@link #NP} floats. */
    final float[] tile = new float[4 * NP];
    /** One row's dropout decisions ({@link DropoutMasks}): all ones where an element is kept, 0 where dropped. */
    int[] keep = new int[0];
    final float[] rowInv = new float[BLOCK_ROWS];
    /** D = rowsum(dO ∘ O) of each row of a backward block. */
    float[] rowD = new float[0];

    void ensure(int seqQ, int seqK, int dim) {
      int rows = Math.max(BLOCK_ROWS, backwardRows(seqQ, seqK));
      int kd = Math.max(padded(seqK) * dim, padded(dim) * seqK), bk = rows * padded(seqK);
      if (pa.length < (seqK + MP - 1) / MP * MP * rows) pa = new float[(seqK + MP - 1) / MP * MP * rows];
      if (pq.length < padded(dim) * rows) pq = new float[padded(dim) * rows];
      if (rowD.length < rows) rowD = new float[rows];
      if (kt.length < kd) {
        kt = new float[kd];
        vt = new float[kd];
        kp = new float[kd];
        vp = new float[kd];
      }
      if (s.length < bk) {
        s = new float[bk];
        dp = new float[bk];
      }
      if (bias.length < padded(seqK)) {
        bias = new float[padded(seqK)];
        keep = new int[padded(seqK)];
      }
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static int grain(int seqQ, int seqK, int dim) {
    long perPair = Math.max(1L, (long) seqQ * seqK * dim);
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, GRAIN_FLOPS / perPair));
  }

  /** Writes out and lse without dropout; see the class comment for the layout. */
  public static void forward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      int batch, int heads, int seqQ, int seqK, int dim, float scale) {
    forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, scale, 0f, 0L);
  }

  /** Writes out and lse, with dropout of rate {@code dropout} on the probabilities (0: none). */
  public static void forward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      int batch, int heads, int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    Layout lq = Layout.contiguous(heads, seqQ, dim), lk = Layout.contiguous(heads, seqK, dim);
    forward(q, lq, k, lk, v, lk, mask, out, lq, lse, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
  }

  /**
   * Where element (b, h, i, d) of a [batch, heads, seq, dim] operand lies in its array:
   * {@code off + b·batch + h·head + i·row + d}. {@link #contiguous} is the [batch, heads, seq, dim] layout;
   * {@link #tokenMajor} reads heads out of the rows of a [batch·seq, width] matrix, a projection's output,
   * so nothing has to be copied into head-major order first.
   */
  public record Layout(int off, int batch, int head, int row) {
    /** Contiguous [batch, heads, seq, dim]. */
    public static Layout contiguous(int heads, int seq, int dim) {
      return new Layout(0, heads * seq * dim, seq * dim, dim);
    }

    /** Rows of {@code width} floats, one per token, head h at columns col + h·dim .. + dim. */
    public static Layout tokenMajor(int col, int seq, int dim, int width) {
      return new Layout(col, seq * width, dim, width);
    }

    int at(int b, int h) {
      return off + b * batch + h * head;
    }
  }

  /**
   * {@link #forward(float[], float[], float[], float[], float[], float[], int, int, int, int, int, float, float,
   * long)} with q, k, v and out where their layouts say (the lse stays contiguous [batch, heads, seqQ]); the
   * same arithmetic in the same order, so the same bits.
   */
  public static void forward(float[] q, Layout lq, float[] k, Layout lk, float[] v, Layout lv, float[] mask,
      float[] out, Layout lo, float[] lse, int batch, int heads, int seqQ, int seqK, int dim, float scale,
      float dropout, long seed) {
    checkRate(dropout);
    Parallel.forRange(batch * heads, grain(seqQ, seqK, dim), (from, to) -> {
      Scratch sc = SCRATCH.get();
      sc.ensure(seqQ, seqK, dim);
      for (int p = from; p < to; p++) {
        int b = p / heads, h = p % heads;
        forwardPair(q, lq.at(b, h), lq.row, k, lk.at(b, h), lk.row, v, lv.at(b, h), lv.row, mask, out, lo.at(b, h),
            lo.row, lse, b, p, seqQ, seqK, dim, scale, dropout, seed, sc);
      }
    });
  }

  private static void checkRate(float dropout) {
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("attention dropout rate must be in [0, 1), got " + dropout);
    }
  }

  private static void forwardPair(float[] q, int qo, int qRow, float[] k, int ko, int kRow, float[] v, int vo,
      int vRow, float[] mask, float[] out, int oo, int oRow, float[] lse, int b, int pair, int seqQ, int seqK, int dim,
      float scale, float dropout, long seed, Scratch sc) {
    int lo = pair * seqQ;
    int keys = keyBias(mask, b, seqK, sc.bias);
    if (keys == 0) {
      fillRows(out, oo, oRow, seqQ, dim);
      Arrays.fill(lse, lo, lo + seqQ, Float.NEGATIVE_INFINITY);
      return;
    }
    float[] kt = sc.kt, vp = sc.vp, s = sc.s, bias = sc.bias;
    int threshold = Generator.keepThreshold(dropout), scaleBits = scaleBits(dropout);
    packRows(k, ko, kRow, keys, dim, sc.kp); // staged: see transposePanels
    transposePanels(sc.kp, keys, dim, kt);
    packRows(v, vo, vRow, keys, dim, vp);
    // Score rows run over whole panels of keys: Kᵀ's last panel is zero past the last key, so those scores are 0,
    // and their bias is −∞, so they come out of the exp as 0. Every row then takes the vector loops alone, with
    // no scalar tail: short rows (a few keys) are faster, and the loops' profile does not depend on the lengths
    // seen first (short texts first left the vector loop unseen, and C2 recompiled the pair at the first long one).
    int ks = padded(keys);
    for (int i0 = 0; i0 < seqQ; i0 += BLOCK_ROWS) {
      int rows = Math.min(BLOCK_ROWS, seqQ - i0);
      panelGemm(rows, ks, dim, q, qo + i0 * qRow, qRow, kt, s, 0, ks, sc.tile);
      for (int r = 0; r < rows; r++) {
        int off = r * ks;
        // keys ≥ 1 means the last key is unmasked, so max is finite and Σ exp ≥ 1.
        float max = scaleBiasMax(s, off, bias, ks, scale);
        float sum = expShift(s, off, ks, max);
        lse[lo + i0 + r] = max + (float) Math.log(sum);
        sc.rowInv[r] = 1f / sum;
        if (dropout > 0f) {
          DropoutMasks.fill(sc.keep, 0, keys, seed, ((long) pair * seqQ + i0 + r) * seqK, threshold);
          Arrays.fill(sc.keep, keys, ks, 0);
          multiply(s, off, sc.keep, scaleBits, ks);
        }
      }
      int ob = oo + i0 * oRow;
      // P is left unnormalised so the division is dim multiplies a row instead of seqK.
      panelGemm(rows, dim, keys, s, 0, ks, vp, out, ob, oRow, sc.tile);
      for (int r = 0; r < rows; r++) scaleRow(out, ob + r * oRow, dim, sc.rowInv[r]);
    }
  }

  /** Zeroes rows rows of dim floats, row r at off + r·row. */
  private static void fillRows(float[] x, int off, int row, int rows, int dim) {
    for (int r = 0; r < rows; r++) Arrays.fill(x, off + r * row, off + r * row + dim, 0f);
  }

  /**
   * Writes gq, gk and gv from the saved out and lse (those of {@link #forward} on the same inputs) and the
   * output gradient gOut.
   */
  public static void backward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      float[] gOut, float[] gq, float[] gk, float[] gv, int batch, int heads, int seqQ, int seqK, int dim,
      float scale) {
    backward(q, k, v, mask, out, lse, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, scale, 0f, 0L);
  }

  /** The backward of {@link #forward} with dropout: the same rate and seed redraw the same mask. */
  public static void backward(float[] q, float[] k, float[] v, float[] mask, float[] out, float[] lse,
      float[] gOut, float[] gq, float[] gk, float[] gv, int batch, int heads, int seqQ, int seqK, int dim,
      float scale, float dropout, long seed) {
    Layout lq = Layout.contiguous(heads, seqQ, dim), lk = Layout.contiguous(heads, seqK, dim);
    backward(q, k, v, lq, lk, lk, mask, out, gOut, lq, lse, gq, gk, gv, batch, heads, seqQ, seqK, dim, scale, dropout,
        seed);
  }

  /**
   * The backward with layouts, as {@link #forward(float[], Layout, float[], Layout, float[], Layout, float[],
   * float[], Layout, float[], int, int, int, int, int, float, float, long)} has them: gq, gk and gv are written
   * where q, k and v lie in their own arrays (so into one gradient of a fused projection when q, k, v share
   * one), gOut is read where out lies.
   */
  public static void backward(float[] q, float[] k, float[] v, Layout lq, Layout lk, Layout lv, float[] mask,
      float[] out, float[] gOut, Layout lo, float[] lse, float[] gq, float[] gk, float[] gv, int batch, int heads,
      int seqQ, int seqK, int dim, float scale, float dropout, long seed) {
    checkRate(dropout);
    Parallel.forRange(batch * heads, grain(seqQ, seqK, dim), (from, to) -> {
      Scratch sc = SCRATCH.get();
      sc.ensure(seqQ, seqK, dim);
      for (int p = from; p < to; p++) {
        int b = p / heads, h = p % heads;
        backwardPair(q, k, v, lq.at(b, h), lq.row, lk.at(b, h), lk.row, lv.at(b, h), lv.row, mask, out, gOut,
            lo.at(b, h), lo.row, lse, gq, gk, gv, b, p, seqQ, seqK, dim, scale, dropout, seed, sc);
      }
    });
  }

  private static void backwardPair(float[] q, float[] k, float[] v, int qo, int qRow, int ko, int kRow, int vo,
      int vRow, float[] mask, float[] out, float[] gOut, int oo, int oRow, float[] lse, float[] gq, float[] gk,
      float[] gv, int b, int pair, int seqQ, int seqK, int dim, float scale, float dropout, long seed, Scratch sc) {
    int lo = pair * seqQ;
    int keys = keyBias(mask, b, seqK, sc.bias);
    // padding keys after the last attended one get zero gradients; the others are written by the first block
    fillRows(gk, ko + keys * kRow, kRow, seqK - keys, dim);
    fillRows(gv, vo + keys * vRow, vRow, seqK - keys, dim);
    if (keys == 0) {
      fillRows(gq, qo, qRow, seqQ, dim);
      return;
    }
    float[] kt = sc.kt, vt = sc.vt, kp = sc.kp, s = sc.s, dp = sc.dp, bias = sc.bias;
    int threshold = Generator.keepThreshold(dropout), scaleBits = scaleBits(dropout);
    packRows(k, ko, kRow, keys, dim, kp);
    transposePanels(kp, keys, dim, kt);
    packRows(v, vo, vRow, keys, dim, sc.vp); // V's rows are not an operand here, only the staging of Vᵀ
    transposePanels(sc.vp, keys, dim, vt);
    int blockRows = backwardRows(seqQ, seqK);
    // rows over whole panels of keys, as in the forward (forwardPair): the same lanes take the same path there
    int ks = padded(keys);
    for (int i0 = 0; i0 < seqQ; i0 += blockRows) {
      int rows = Math.min(blockRows, seqQ - i0), qb = qo + i0 * qRow, ob = oo + i0 * oRow;
      panelGemm(rows, ks, dim, q, qb, qRow, kt, s, 0, ks, sc.tile);
      panelGemm(rows, ks, dim, gOut, ob, oRow, vt, dp, 0, ks, sc.tile);
      // D for all rows first: out is read here for the first time, and a loop of nothing but these dot products
      // keeps many of its rows' cache misses in flight
      for (int r = 0; r < rows; r++) sc.rowD[r] = dot(gOut, out, ob + r * oRow, dim);
      for (int r = 0; r < rows; r++) {
        int off = r * ks;
        scaleBiasMax(s, off, bias, ks, scale);
        expShift(s, off, ks, lse[lo + i0 + r]);
        float d = sc.rowD[r];
        if (dropout > 0f) {
          DropoutMasks.fill(sc.keep, 0, keys, seed, ((long) pair * seqQ + i0 + r) * seqK, threshold);
          Arrays.fill(sc.keep, keys, ks, 0);
          multiply(dp, off, sc.keep, scaleBits, ks); // dP = (dO·Vᵀ) ∘ Z/(1 − p)
        }
        softmaxGrad(s, dp, off, ks, d, scale);
        if (dropout > 0f) multiply(s, off, sc.keep, scaleBits, ks); // P ∘ Z/(1 − p), what multiplied V, for dV
      }
      panelGemm(rows, dim, keys, dp, 0, ks, kp, gq, qb, qRow, sc.tile);
      // dK (+)= dSᵀ·Q and dV (+)= (P ∘ Z/(1 − p))ᵀ·dO over all the block's rows, on the GEMM micro-kernel
      boolean add = i0 > 0;
      packTransposedTile(dp, rows, keys, ks, sc.pa);
      packRows(q, qb, qRow, rows, dim, sc.pq);
      PackedGemm.packedProduct(keys, dim, rows, sc.pa, sc.pq, gk, ko, kRow, add, sc.tile);
      packTransposedTile(s, rows, keys, ks, sc.pa);
      packRows(gOut, ob, oRow, rows, dim, sc.pq);
      PackedGemm.packedProduct(keys, dim, rows, sc.pa, sc.pq, gv, vo, vRow, add, sc.tile);
    }
  }

  /**
   * Query rows per block in the backward: as many as {@link #BACKWARD_TILE} scores hold (rounded down to a multiple
   * of 4, at least {@link #BLOCK_ROWS}), so dK and dV run as one product each over that many rows instead of
   * adding a product over 32 rows per block into them.
   */
  static int backwardRows(int seqQ, int seqK) {
    return Math.min(seqQ, Math.max(BLOCK_ROWS, BACKWARD_TILE / padded(Math.max(1, seqK)) / 4 * 4));
  }

  /**
   * Packs the transpose of a rows × n tile (row t at t·stride) as the A operand of {@link PackedGemm#packedProduct}
   * (n × rows): panel g holds tile columns g·MP.., element (g·MP + jj, t) at g·MP·rows + t·MP + jj; columns past
   * n are zero. MP consecutive floats of a tile row are one panel step, copied as one 4-lane vector.
   */
  private static void packTransposedTile(float[] tile, int rows, int n, int stride, float[] pa) {
    int full = n / MP * MP;
    for (int j0 = 0; j0 < full; j0 += MP) {
      for (int t = 0, src = j0, dst = j0 * rows; t < rows; t++, src += stride, dst += MP) {
        FloatVector.fromArray(PANEL_ROW, tile, src).intoArray(pa, dst);
      }
    }
    if (full < n) {
      for (int t = 0, dst = full * rows; t < rows; t++, dst += MP) {
        for (int jj = 0; jj < MP; jj++) pa[dst + jj] = full + jj < n ? tile[t * stride + full + jj] : 0f;
      }
    }
  }

  /** The dropout factor 1/(1 − p) as float bits, computed in float as the dropout op computes it. */
  private static int scaleBits(float p) {
    return Float.floatToRawIntBits(1f / (1f - p));
  }

  /**
   * x[off + j] *= f_j for j &lt; n, where f_j is 1/(1 − p) (its bits {@code scaleBits}) where keep[j] is all
   * ones and +0 where it is 0: the row's dropout factors. n is a score row's width, whole panels of keys.
   */
  private static void multiply(float[] x, int off, int[] keep, int scaleBits, int n) {
    for (int j = 0; j < n; j += L) {
      FloatVector f = IntVector.fromArray(INTS, keep, j).and(scaleBits).reinterpretAsFloats();
      FloatVector.fromArray(SPECIES, x, off + j).mul(f).intoArray(x, off + j);
    }
  }

  /**
   * Fills bias[0, seqK) with 0 (attend) or −∞ (padding), and with −∞ past the last attended key up to whole panels
   * (the score rows' width); returns 1 + the index of the last attended key.
   */
  private static int keyBias(float[] mask, int b, int seqK, float[] bias) {
    int keys = seqK;
    if (mask == null) {
      Arrays.fill(bias, 0, seqK, 0f);
    } else {
      int last = -1, mo = b * seqK;
      for (int j = 0; j < seqK; j++) {
        boolean pad = mask[mo + j] == 0f;
        bias[j] = pad ? Float.NEGATIVE_INFINITY : 0f;
        if (!pad) last = j;
      }
      keys = last + 1;
    }
    Arrays.fill(bias, keys, padded(keys), Float.NEGATIVE_INFINITY);
    return keys;
  }

  /** n rounded up to whole panels of {@link #NP} columns. */
  private static int padded(int n) {
    return (n + NP - 1) / NP * NP;
  }

  /**
   * Transposes a [rows, dim] block packed by {@link #packRows} (panel p of NP columns at p·NP·rows, element (t, d)
   * at p·NP·rows + t·NP + d − p·NP) into a dim × rows B operand of {@link #panelGemm}: panel q holds columns
   * (block rows) q·NP.., element (d, j) at q·NP·dim + d·NP + j − q·NP; columns past rows are zero.
   *
   * <p>Staged so because K and V come cold from memory (a projection's output, rows 3·heads·dim floats apart): a
   * scalar transpose straight from there kept few of those misses in flight and took 3 ns an element in the
   * attention step, the row copy of {@link #packRows} has only a few instructions a row between them.
   */
  private static void transposePanels(float[] panels, int rows, int dim, float[] pb) {
    for (int j0 = 0; j0 < rows; j0 += NP) {
      int base = j0 * dim, w = Math.min(NP, rows - j0);
      for (int d = 0; d < dim; d++) {
        int src = d / NP * NP * rows + j0 * NP + d % NP, dst = base + d * NP;
        for (int jj = 0; jj < w; jj++) pb[dst + jj] = panels[src + jj * NP];
        for (int jj = w; jj < NP; jj++) pb[dst + jj] = 0f;
      }
    }
  }

  /**
   * Packs a [rows, dim] block (row r at off + r·row) as a rows × dim B operand of {@link #panelGemm}: panel p
   * holds columns p·NP.., element (t, d) at p·NP·rows + t·NP + d − p·NP; columns past dim are zero.
   */
  private static void packRows(float[] src, int off, int row, int rows, int dim, float[] pb) {
    for (int d0 = 0; d0 < dim; d0 += NP) {
      int w = Math.min(NP, dim - d0);
      for (int t = 0, dst = d0 * rows; t < rows; t++, dst += NP) {
        int so = off + t * row + d0;
        if (w == NP) {
          FloatVector.fromArray(SPECIES, src, so).intoArray(pb, dst);
          FloatVector.fromArray(SPECIES, src, so + L).intoArray(pb, dst + L);
        } else {
          System.arraycopy(src, so, pb, dst, w);
          Arrays.fill(pb, dst + w, dst + NP, 0f);
        }
      }
    }
  }

  /**
   * s = s·scale + bias over one score row of n = whole panels of keys (the bias is −∞ past the last key); returns
   * its max.
   */
  private static float scaleBiasMax(float[] s, int off, float[] bias, int n, float scale) {
    FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
    for (int j = 0; j < n; j += L) {
      FloatVector x = FloatVector.fromArray(SPECIES, s, off + j)
          .mul(scale).add(FloatVector.fromArray(SPECIES, bias, j));
      x.intoArray(s, off + j);
      vmax = vmax.max(x);
    }
    return vmax.reduceLanes(VectorOperators.MAX);
  }

  /** s = exp(s − shift) over one score row of n = whole panels of keys; returns the sum. */
  private static float expShift(float[] s, int off, int n, float shift) {
    FloatVector acc = FloatVector.zero(SPECIES);
    for (int j = 0; j < n; j += L) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, s, off + j).sub(shift));
      e.intoArray(s, off + j);
      acc = acc.add(e);
    }
    return VectorMath.sum(acc);
  }

  private static void scaleRow(float[] x, int off, int n, float f) {
    int j = 0;
    for (int up = SPECIES.loopBound(n); j < up; j += L) FloatVector.fromArray(SPECIES, x, off + j).mul(f).intoArray(x, off + j);
    for (; j < n; j++) x[off + j] *= f;
  }

  private static float dot(float[] a, float[] b, int off, int n) {
    FloatVector acc = FloatVector.zero(SPECIES);
    int j = 0;
    for (int up = SPECIES.loopBound(n); j < up; j += L) {
      acc = FloatVector.fromArray(SPECIES, a, off + j).fma(FloatVector.fromArray(SPECIES, b, off + j), acc);
    }
    float sum = VectorMath.sum(acc);
    for (; j < n; j++) sum += a[off + j] * b[off + j];
    return sum;
  }

  /**
   * dp = p ∘ (dp − d)·scale over one score row of n = whole panels of keys: the softmax backward folded with the
   * score scale.
   */
  private static void softmaxGrad(float[] p, float[] dp, int off, int n, float d, float scale) {
    for (int j = 0; j < n; j += L) {
      FloatVector x = FloatVector.fromArray(SPECIES, dp, off + j).sub(d)
          .mul(FloatVector.fromArray(SPECIES, p, off + j)).mul(scale);
      x.intoArray(dp, off + j);
    }
  }

  /**
   * C (m × n, row-major, ldc) = A·B for a row-major A (element (r, t) at a[aOff + r·aRs + t]) and a B packed
   * in panels of {@link #NP} columns ({@link #transposePanels}, {@link #packRows}). Every index in the inner
   * loop is the step t times a constant plus an invariant, which C2's range-check elimination hoists out of
   * the loop; a generic version whose strides were variables kept six checks and three stack reloads per
   * step (40 instructions per 8 FMAs, against 19 here).
   */
  private static void panelGemm(int m, int n, int k, float[] a, int aOff, int aRs, float[] pb, float[] c, int cOff,
      int ldc, float[] tile) {
    int r = 0;
    for (; r + 4 <= m; r += 4) {
      for (int j0 = 0; j0 < n; j0 += NP) {
        panelTile4(k, a, aOff + r * aRs, aRs, pb, j0 * k, c, cOff + r * ldc + j0, ldc, Math.min(NP, n - j0), tile);
      }
    }
    for (; r < m; r++) {
      for (int j0 = 0; j0 < n; j0 += NP) {
        panelTile1(k, a, aOff + r * aRs, pb, j0 * k, c, cOff + r * ldc + j0, Math.min(NP, n - j0), tile);
      }
    }
  }

  /** Four rows of C, one panel (cols ≤ NP of its columns stored). */
  private static void panelTile4(int k, float[] a, int a0, int aRs, float[] pb, int b0, float[] c, int c0, int ldc,
      int cols, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00;
    FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    int a1 = a0 + aRs, a2 = a1 + aRs, a3 = a2 + aRs;
    for (int t = 0; t < k; t++) {
      int bi = b0 + t * NP;
      FloatVector x0 = FloatVector.fromArray(SPECIES, pb, bi), x1 = FloatVector.fromArray(SPECIES, pb, bi + L);
      FloatVector w = FloatVector.broadcast(SPECIES, a[a0 + t]);
      c00 = x0.fma(w, c00);
      c01 = x1.fma(w, c01);
      w = FloatVector.broadcast(SPECIES, a[a1 + t]);
      c10 = x0.fma(w, c10);
      c11 = x1.fma(w, c11);
      w = FloatVector.broadcast(SPECIES, a[a2 + t]);
      c20 = x0.fma(w, c20);
      c21 = x1.fma(w, c21);
      w = FloatVector.broadcast(SPECIES, a[a3 + t]);
      c30 = x0.fma(w, c30);
      c31 = x1.fma(w, c31);
    }
    if (cols == NP) {
      c00.intoArray(c, c0);
      c01.intoArray(c, c0 + L);
      c10.intoArray(c, c0 + ldc);
      c11.intoArray(c, c0 + ldc + L);
      c20.intoArray(c, c0 + 2 * ldc);
      c21.intoArray(c, c0 + 2 * ldc + L);
      c30.intoArray(c, c0 + 3 * ldc);
      c31.intoArray(c, c0 + 3 * ldc + L);
      return;
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c10.intoArray(tile, NP);
    c11.intoArray(tile, NP + L);
    c20.intoArray(tile, 2 * NP);
    c21.intoArray(tile, 2 * NP + L);
    c30.intoArray(tile, 3 * NP);
    c31.intoArray(tile, 3 * NP + L);
    for (int r = 0; r < 4; r++) System.arraycopy(tile, r * NP, c, c0 + r * ldc, cols);
  }

  /** One row of C, one panel. */
  private static void panelTile1(int k, float[] a, int a0, float[] pb, int b0, float[] c, int c0, int cols,
      float[] tile) {
    FloatVector c0v = FloatVector.zero(SPECIES), c1v = c0v;
    for (int t = 0; t < k; t++) {
      int bi = b0 + t * NP;
      FloatVector w = FloatVector.broadcast(SPECIES, a[a0 + t]);
      c0v = FloatVector.fromArray(SPECIES, pb, bi).fma(w, c0v);
      c1v = FloatVector.fromArray(SPECIES, pb, bi + L).fma(w, c1v);
    }
    c0v.intoArray(tile, 0);
    c1v.intoArray(tile, L);
    System.arraycopy(tile, 0, c, c0, cols);
  }
}
