package dev.embed4j.engine.backend;

import dev.embed4j.engine.Device;

/**
 * What a device must implement for the engine's ops to run on it. The ops in
 * {@code dev.embed4j.engine.ops} do the shape checking and the autograd book-keeping; a backend sees only
 * storages, offsets, sizes and strides, all of them already validated.
 *
 * <p>Conventions: matrices are row-major; "rows × cols" means {@code rows} contiguous rows of {@code cols}
 * elements unless strides are given; integer inputs (token ids, class targets) arrive as host
 * {@code int[]}, which a device backend copies over. Outputs are written, never accumulated, unless the
 * method says otherwise.
 */
public interface Backend {
  Device device();

  // ---- memory -----------------------------------------------------------------------------------------

  /** A zero-filled storage of {@code size} floats. */
  Storage allocate(long size);

  Storage upload(float[] host);

  /** Copies {@code n} floats starting at {@code offset} to the host. */
  void download(Storage src, long offset, float[] dst, int dstOffset, int n);

  /** Strided copy over an n-dimensional shape: dst[dstOff + Σ i·dstStride] = src[srcOff + Σ i·srcStride]. */
  void copy(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides, int[] shape);

  void fill(Storage dst, int offset, int n, float value);

  // ---- element-wise -----------------------------------------------------------------------------------

  /** y = f(x) over {@code n} contiguous elements. */
  void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n);

  /** gx = gy · f'(x), given x and y = f(x) (contiguous, n elements; either may be read). */
  void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n);

  /**
   * y = GELU(x) and d = GELU'(x) over n contiguous elements, the same values {@link #unary} and
   * {@link #unaryBackward} (with gy = 1) give: a GELU in training keeps d instead of x, and its backward is
   * then gy·d, with no second pass through the normal CDF. The default computes it from those two.
   */
  default void geluWithDerivative(Storage x, Storage y, Storage d, int n) {
    unary(UnaryOp.GELU, 0f, x, 0, y, 0, n);
    Storage ones = allocate(n);
    fill(ones, 0, n, 1f);
    unaryBackward(UnaryOp.GELU, 0f, x, y, ones, d, n);
  }

  /**
   * out = a ∘ b over {@code shape}, with a and b addressed through strides (a stride of 0 broadcasts).
   * {@code out} is contiguous.
   */
  void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset,
      int[] bStrides, Storage out, int[] shape);

  /**
   * A fully connected layer: y = act(x·Wᵀ + bias) for x [m, k], a weight W [n, k] and bias [n] (all contiguous
   * from offset 0), y [m, n]; act is GELU with {@code gelu}, else the identity. With GELU and d not null, also
   * d = GELU'(x·Wᵀ + bias), what a GELU in training keeps ({@link #geluWithDerivative}). A backend fuses the
   * bias and the activation into its GEMM where it can; this default composes {@link #gemm}, a broadcast
   * {@link #binary} add and the activation, through one temporary [m, n].
   */
  default void linear(Storage x, Storage w, Storage bias, int m, int k, int n, boolean gelu, Storage y, Storage d) {
    int[] shape = {m, n}, rowMajor = {n, 1}, broadcastRows = {0, 1};
    int mn = m * n;
    Storage tmp = allocate(mn);
    if (!gelu) {
      gemm(1, false, true, m, n, k, 1f, x, 0, k, 0, w, 0, k, 0, 0f, tmp, 0, n, 0);
      binary(BinaryOp.ADD, 0f, tmp, 0, rowMajor, bias, 0, broadcastRows, y, shape);
      return;
    }
    gemm(1, false, true, m, n, k, 1f, x, 0, k, 0, w, 0, k, 0, 0f, y, 0, n, 0);
    binary(BinaryOp.ADD, 0f, y, 0, rowMajor, bias, 0, broadcastRows, tmp, shape);
    if (d != null) geluWithDerivative(tmp, y, d, mn);
    else unary(UnaryOp.GELU, 0f, tmp, 0, y, 0, mn);
  }

  /**
   * A fully connected layer, dropout and a residual connection: y = dropout_p(x·Wᵀ + bias) + residual, shapes as
   * in {@link #linear}, residual [m, n] contiguous, the dropout as {@link #dropout} draws it from {@code seed} over
   * the flat index of y (p = 0: none). The default composes {@link #linear}, {@link #dropout} and a {@link #binary}
   * add through one temporary.
   */
  default void linearDropoutAdd(Storage x, Storage w, Storage bias, int m, int k, int n, float p, long seed,
      Storage residual, Storage y) {
    int[] shape = {m, n}, rowMajor = {n, 1};
    Storage tmp = allocate(m * n);
    if (p > 0f) {
      linear(x, w, bias, m, k, n, false, y, null);
      dropout(y, tmp, m * n, p, seed);
    } else {
      linear(x, w, bias, m, k, n, false, tmp, null);
    }
    binary(BinaryOp.ADD, 0f, tmp, 0, rowMajor, residual, 0, rowMajor, y, shape);
  }

  /** out[r] = Σ_c x[r·cols + c] (x contiguous). */
  void sumRows(Storage x, int rows, int cols, Storage out);

  /**
   * out[c] = Σ_r x[r·cols + c] (x contiguous): the sums down the columns. By default the product of a
   * row of ones with x, which any backend's GEMM computes; a backend may do it directly.
   */
  default void sumColumns(Storage x, int rows, int cols, Storage out) {
    Storage ones = allocate(rows);
    try {
      fill(ones, 0, rows, 1f);
      gemm(1, false, false, 1, cols, rows, 1f, ones, 0, rows, 0, x, 0, cols, 0, 0f, out, 0, cols, 0);
    } finally {
      ones.release();
    }
  }

  /** Σ x² over {@code n} contiguous elements, accumulated in double. */
  double sumOfSquares(Storage x, int offset, int n);

  /**
   * {@link #sumOfSquares} of each of several ranges, summed in double in the order given: a global
   * gradient norm in one call. A device backend overrides it to bring all partial sums back with a single
   * synchronisation instead of one per tensor (about a hundred for a BERT encoder's parameters).
   */
  default double sumOfSquares(Storage[] xs, int[] offsets, int[] counts) {
    double sum = 0;
    for (int i = 0; i < xs.length; i++) sum += sumOfSquares(xs[i], offsets[i], counts[i]);
    return sum;
  }

  // ---- matrix products -------------------------------------------------------------------------------

  /**
   * C = alpha · op(A) · op(B) + beta · C for {@code batch} independent problems, row-major, where op(X) is
   * X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n with leading dimension ldc. A batch stride of 0 reuses
   * the same matrix for every problem.
   */
  void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
      Storage a, int aOffset, int lda, long strideA,
      Storage b, int bOffset, int ldb, long strideB, float beta,
      Storage c, int cOffset, int ldc, long strideC);

  // ---- normalisation and softmax ---------------------------------------------------------------------

  /** Row-wise softmax (or log-softmax) of a rows × cols matrix. */
  void softmax(Storage x, Storage y, int rows, int cols, boolean log);

  /** gx from y = softmax(x) (or log-softmax) and gy. */
  void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log);

  /** y = (x − mean)·rstd·gamma + beta per row; writes mean and rstd (rows each) for the backward. */
  void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows,
      int cols, float eps);

  /** gx (written), and gGamma, gBeta (accumulated, may be null) from the saved mean and rstd. */
  void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, Storage gx,
      Storage gGamma, Storage gBeta, int rows, int cols);

  // ---- indexing --------------------------------------------------------------------------------------

  /** out[i, :] = table[ids[i], :]; ids are already range-checked. */
  void gather(Storage table, int dim, int[] ids, Storage out);

  /** gTable[ids[i], :] += gOut[i, :] (accumulates; repeated ids add up). */
  void scatterAdd(Storage gOut, int dim, int[] ids, Storage gTable);

  /** y = x · keep / (1 − p) with keep = uniform(seed, i) ≥ p ({@link dev.embed4j.engine.Generator#uniform}). */
  void dropout(Storage x, Storage y, int n, float p, long seed);

  /** Per-row cross-entropy: loss[r] = −log softmax(logits[r])[targets[r]]; also writes log-probabilities. */
  void crossEntropy(Storage logits, int[] targets, Storage logProb, Storage loss, int rows, int cols);

  /** gLogits[r, c] = scale[r] · (softmax[r, c] − [c = targets[r]]), from the saved log-probabilities. */
  void crossEntropyBackward(Storage logProb, int[] targets, Storage gLoss, Storage gLogits, int rows, int cols);

  // ---- fused attention --------------------------------------------------------------------------------

  /**
   * O = softmax(Q·Kᵀ·scale + mask)·V for [batch, heads, seq, dim] tensors (contiguous). {@code keyMask}
   * is [batch, seqK] of 1 (attend) or 0 (padding), or null. Writes the row log-sum-exp of the scores
   * ([batch, heads, seqQ]) for the backward. Never holds the whole seqQ × seqK score matrix.
   *
   * <p>With {@code dropout} p &gt; 0 the probabilities are dropped out before they multiply V: element
   * (i, j) of pair (b, h) is kept, scaled by 1f/(1f − p), when
   * {@link dev.embed4j.engine.Generator#uniform}(seed, ((b·heads + h)·seqQ + i)·seqK + j) ≥ p, so every
   * backend draws the same mask; lse stays that of the undropped scores.
   */
  void attention(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse, int batch,
      int heads, int seqQ, int seqK, int dim, float scale, float dropout, long seed);

  /**
   * gq, gk, gv (written) by recomputing score tiles from q, k, the saved lse, out and gOut; the dropout
   * rate and seed of the forward redraw its mask.
   */
  void attentionBackward(Storage q, Storage k, Storage v, Storage keyMask, Storage out, Storage lse,
      Storage gOut, Storage gq, Storage gk, Storage gv, int batch, int heads, int seqQ, int seqK, int dim,
      float scale, float dropout, long seed);

  /**
   * Whether this backend runs self-attention straight from a fused Q|K|V projection
   * ({@link #qkvAttention}, {@link #qkvAttentionBackward}). Where it does not, callers split the
   * projection into [batch, heads, seq, dim] tensors and call {@link #attention}.
   */
  default boolean hasQkvAttention() {
    return false;
  }

  /**
   * Self-attention over the output of a fused projection: {@code qkv} is [batch, seq, 3·heads·dim], each row
   * holding the token's query, key and value (heads·dim floats each, head h at h·dim); writes {@code out}
   * as [batch, seq, heads·dim] and lse as [batch, heads, seq]. The same values, dropout mask included, as
   * {@link #attention} on the split tensors; only the layouts differ, so no copy into head-major order is made.
   */
  default void qkvAttention(Storage qkv, Storage keyMask, Storage out, Storage lse, int batch, int heads, int seq,
      int dim, float scale, float dropout, long seed) {
    throw new UnsupportedOperationException("the " + device() + " backend has no fused-projection attention; "
        + "check hasQkvAttention()");
  }

  /**
   * The backward of {@link #qkvAttention}: writes every element of {@code gQkv} ([batch, seq, 3·heads·dim],
   * qkv's layout) from the saved out and lse and the output gradient gOut ([batch, seq, heads·dim]).
   */
  default void qkvAttentionBackward(Storage qkv, Storage keyMask, Storage out, Storage lse, Storage gOut, Storage gQkv,
      int batch, int heads, int seq, int dim, float scale, float dropout, long seed) {
    throw new UnsupportedOperationException("the " + device() + " backend has no fused-projection attention; "
        + "check hasQkvAttention()");
  }

  // ---- optimisers -------------------------------------------------------------------------------------

  /**
   * One AdamW step as torch.optim.AdamW defines it: p −= lr·wd·p; m = β1·m + (1−β1)·g;
   * v = β2·v + (1−β2)·g²; p −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + eps).
   */
  void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
      float eps, float weightDecay, int step);

  /** SGD with momentum (torch's form): buf = μ·buf + g (buf = g on the first step); p −= lr·buf. */
  void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum,
      float weightDecay, boolean firstStep);

  // ---- fused pairwise log-sum-exp (contrastive losses) ----------------------------------------------

  /**
   * The row and column log-sum-exp and the diagonal of S = scale · A·Bᵀ, without holding S: A is n×d and
   * B is m×d, both contiguous and row-major.
   *
   * <p>Mask: element (i, j) is excluded (counts as −∞) when {@code maskStart} is not null and
   * {@code maskStart[i] ≤ (j mod maskPeriod) < maskEnd[i]}. The same predicate drives the column
   * direction, so a column's sum leaves out exactly the elements the rows leave out. With
   * {@code maskPeriod = Integer.MAX_VALUE} a row excludes the plain column range [start, end) (a
   * query's own self-similarity: start = i, end = i + 1); with {@code maskPeriod = p} it excludes the
   * columns i, i + p, i + 2p, … for start = i, end = i + 1 (a document's own positive and hard negatives
   * when B stacks k + 1 blocks of p rows). Arrays have n entries; 0 ≤ start ≤ end ≤ period.
   *
   * <p>Hardness: with {@code hardness} = α &gt; 0, element (i, j) with j ≠ i is penalised when
   * (hardStart ≠ null and hardStart[i] ≤ (j mod hardPeriod) &lt; hardEnd[i]) ≠ hardComplement, the mask's
   * range test on arrays of the same form (a null hardStart selects nothing, so with hardComplement every
   * off-diagonal element). A penalised score counts as S_ij·(1 + α/scale), that is scale·a_i·b_j + α·a_i·b_j,
   * in every sum, rows and columns alike; the diagonal is never penalised. α = 0 is no penalty (the range
   * arguments are then ignored). Scale is not 0 when α is above 0.
   *
   * <p>Writes rowLse[i] = log Σ_j exp S_ij over the kept j (−∞ when a whole row is excluded);
   * colLse[j] likewise over i, unless {@code colLse} is null (then it is skipped, which saves about half
   * the exponentials); diag[i] = S_ii for i &lt; min(n, m), whatever the mask says.
   */
  void pairwiseLogSumExp(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart, int[] maskEnd,
      int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod, boolean hardComplement,
      Storage rowLse, Storage colLse, Storage diag);

  /**
   * Gradients of {@link #pairwiseLogSumExp}: with P_ij = exp(S_ij − rowLse_i), Q_ij = exp(S_ij − colLse_j)
   * (zero where excluded or where the whole row or column is excluded; S_ij penalised as in the forward) and
   * G_ij = gRowLse_i·P_ij + gColLse_j·Q_ij + [i = j]·gDiag_i, writes gA = scale·G·B and gB = scale·Gᵀ·A.
   * The hardness penalty is a constant (a stop-gradient): it changes the scores P and Q are taken of, not
   * the factor scale of the products. Recomputes S tile by tile from A and B and the saved rowLse and
   * colLse. Any of gRowLse, gColLse (with colLse) and gDiag may be null, meaning zero.
   */
  void pairwiseLogSumExpBackward(Storage a, Storage b, int n, int m, int d, float scale, int[] maskStart,
      int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, Storage rowLse, Storage colLse, Storage gRowLse, Storage gColLse, Storage gDiag,
      Storage gA, Storage gB);

  /**
   * {@link #pairwiseLogSumExp} without the columns, together with the gradients of Σ_i rowLse_i: gA and gB
   * as {@link #pairwiseLogSumExpBackward} writes them for gRowLse = 1 on every row and nothing else. A
   * loss whose rows all weigh the same (a mean of rowLse_i − S_ii) then needs no other backward than a
   * scaling, and a backend can get all of it from one pass over the scores: three products instead of
   * the four of a forward and a backward that recomputes. The default runs the two separately.
   */
  default void pairwiseLogSumExpWithRowGradient(Storage a, Storage b, int n, int m, int d, float scale,
      int[] maskStart, int[] maskEnd, int maskPeriod, float hardness, int[] hardStart, int[] hardEnd, int hardPeriod,
      boolean hardComplement, Storage rowLse, Storage diag, Storage gA, Storage gB) {
    pairwiseLogSumExp(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd, hardPeriod,
        hardComplement, rowLse, null, diag);
    Storage ones = allocate(n);
    fill(ones, 0, n, 1f);
    pairwiseLogSumExpBackward(a, b, n, m, d, scale, maskStart, maskEnd, maskPeriod, hardness, hardStart, hardEnd,
        hardPeriod, hardComplement, rowLse, null, ones, null, null, gA, gB);
  }
}
