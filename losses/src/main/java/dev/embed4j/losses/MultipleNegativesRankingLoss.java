package dev.embed4j.losses;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.ops.PairwiseLogSumExp;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * InfoNCE with in-batch negatives (Henderson et al. 2017, "Efficient Natural Language Response Suggestion
 * for Smart Reply"; van den Oord et al. 2018), as sentence-transformers' MultipleNegativesRankingLoss.
 *
 * <p>Columns: anchor q (B rows), positive d⁺ (B rows), and optionally hard negatives d⁻₁ … d⁻ₖ (B rows
 * each). With s(x, y) = scale·sim(x, y) and the documents D = [d⁺; d⁻₁; …; d⁻ₖ] ((k+1)·B rows):
 * <pre>
 *   loss = mean_i ( log Z_i − s(q_i, d⁺_i) )
 *   query→doc    Z_i ⊇ Σ_{j &lt; (k+1)B} exp s(q_i, D_j)
 *   query→query  Z_i ⊇ Σ_{j ≠ i} exp s(q_i, q_j)
 *   doc→query    Z_i ⊇ Σ_j exp s(d⁺_i, q_j)
 *   doc→doc      Z_i ⊇ Σ_{j mod B ≠ i} exp s(d⁺_i, D_j)
 * </pre>
 * In {@link PartitionMode#JOINT} log Z_i is the log-sum-exp over the union of the selected terms; in
 * {@link PartitionMode#PER_DIRECTION} it is the mean of the per-direction log-sum-exps, and only query→doc
 * and doc→query may be selected: query→query and doc→doc never hold the positive, so their own
 * cross-entropy would be negative (refused, as sentence-transformers refuses it since PR #3677). The
 * masking is sentence-transformers' (5.3 and later). Defaults: scale 20, cosine similarity, query→doc,
 * joint, no hardness penalty.
 *
 * <p>Hardness (sentence-transformers 5.3's {@code hardness_mode} and {@code hardness_strength}): with
 * α = hardnessStrength ≥ 0, the query→doc logits that the {@link HardnessMode} selects are raised by
 * α·sg(sim(q_i, D_j)), sg a stop-gradient:
 * <pre>
 *   query→doc logit = s(q_i, D_j) + α·sg(sim(q_i, D_j))   j penalised (never j = i)
 *                     s(q_i, D_j)                          otherwise
 *   IN_BATCH_NEGATIVES  j mod B ≠ i                 (other rows' positives and hard negatives)
 *   HARD_NEGATIVES      j ≥ B and j mod B = i       (the row's own hard negatives)
 *   ALL_NEGATIVES       j ≠ i
 * </pre>
 * The penalty's value enters log Z_i, its gradient does not: a negative the model already finds close weighs
 * exp(α·sim) times more in the softmax, and the gradient through every logit is still scale·∂sim. The
 * positive score s(q_i, d⁺_i) and the other directions are left as they are. This is the hardness weighting
 * of Lan et al. 2025, "LLaVE: Large Language and Vision Embedding Models with Hardness-Weighted Contrastive
 * Learning" (arXiv 2503.04812, Eq. 5, in-batch negatives, α = 9), and of Schechter Vera et al. 2025,
 * "EmbeddingGemma: Powerful and Lightweight Text Representations" (arXiv 2509.20354, hard negatives, α = 5),
 * as a logit offset: exp(s + α·sim) = w·exp(s) with w = exp(α·sg(sim)). Default off (no mode, strength 0);
 * a mode with strength 0 changes nothing, the case sentence-transformers warns about (this library does
 * not log), and HARD_NEGATIVES without negative columns changes nothing either.
 *
 * <p>Each direction is one call to the fused {@link PairwiseLogSumExp} op: query→doc and doc→query
 * share one pass (the row and the column log-sum-exp of q·Dᵀ, the latter restricted to the positive
 * block), so no B × (k+1)B matrix is ever held. With a hardness penalty the columns of that pass hold
 * penalised logits, so doc→query then takes a pass of its own over d⁺·qᵀ.
 *
 * <p>Precision: log Z_i and s(q_i, d⁺_i) are both near the scale, so their float32 difference is only good
 * to about 1e-6 absolute, 2.5e-3 of the 4e-4 a trained model reaches. The fused op therefore leaves the
 * positive out of query→doc (and doc→query), each direction gives log Σ exp(s − s⁺_i) over its negatives,
 * and the loss is softplus of their log-sum-exp, log(1 + Σ exp(s − s⁺_i)), with a log1p: float32's
 * relative precision at any loss (NearZeroLossPrecisionTest: below 1e-5 against float64 at 3e-4, where
 * rowLse − diag was off by up to 8e-4). The gradient on s⁺_i is then −sigmoid(·) rather than P_ii − 1, also
 * exact. The price: the row weights are no longer equal, so the forward computes no row gradient and the
 * backward recomputes (four products instead of three, next to an encoder's far larger step).
 */
public class MultipleNegativesRankingLoss implements EmbeddingLoss {
  private final float scale;
  private final SimilarityFunction similarity;
  private final Set<Direction> directions;
  private final PartitionMode partitionMode;
  private final HardnessMode hardnessMode;
  private final float hardnessStrength;

  public MultipleNegativesRankingLoss() {
    this(20f, SimilarityFunction.COSINE);
  }

  public MultipleNegativesRankingLoss(float scale, SimilarityFunction similarity) {
    this(scale, similarity, EnumSet.of(Direction.QUERY_TO_DOC), PartitionMode.JOINT);
  }

  public MultipleNegativesRankingLoss(float scale, SimilarityFunction similarity, Set<Direction> directions,
      PartitionMode partitionMode) {
    this(scale, similarity, directions, partitionMode, null, 0f);
  }

  /**
   * @param hardnessMode which query→doc logits get the hardness penalty, or null for none
   * @param hardnessStrength α ≥ 0 (finite), the penalty's weight on the unscaled similarity; 0 is no penalty
   */
  public MultipleNegativesRankingLoss(float scale, SimilarityFunction similarity, Set<Direction> directions,
      PartitionMode partitionMode, HardnessMode hardnessMode, float hardnessStrength) {
    if (!(scale > 0) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException(name() + ": scale must be a positive number, got " + scale);
    }
    InputChecks.dotProductSimilarity(name(), similarity);
    if (directions == null || directions.isEmpty()) {
      throw new IllegalArgumentException(name() + ": at least one direction is needed");
    }
    if (!directions.contains(Direction.QUERY_TO_DOC)) {
      throw new IllegalArgumentException(name() + ": directions must include QUERY_TO_DOC, which holds the positive pair; got "
          + directions);
    }
    if (partitionMode == PartitionMode.PER_DIRECTION
        && (directions.contains(Direction.QUERY_TO_QUERY) || directions.contains(Direction.DOC_TO_DOC))) {
      throw new IllegalArgumentException(name() + ": partitionMode PER_DIRECTION cannot take QUERY_TO_QUERY or "
          + "DOC_TO_DOC (got " + directions + "): their candidates never include the positive pair, so their "
          + "per-direction loss is negative and draws the training away from the positive; use "
          + "PartitionMode.JOINT with these directions, or PER_DIRECTION with QUERY_TO_DOC and DOC_TO_QUERY only");
    }
    if (!(hardnessStrength >= 0) || !Float.isFinite(hardnessStrength)) {
      throw new IllegalArgumentException(name() + ": hardnessStrength must be a finite number ≥ 0 (LLaVE uses 9, "
          + "EmbeddingGemma 5), got " + hardnessStrength);
    }
    this.scale = scale;
    this.similarity = similarity;
    this.directions = EnumSet.copyOf(directions);
    this.partitionMode = partitionMode;
    this.hardnessMode = hardnessMode;
    this.hardnessStrength = hardnessStrength;
  }

  public float scale() {
    return scale;
  }

  public SimilarityFunction similarity() {
    return similarity;
  }

  public Set<Direction> directions() {
    return EnumSet.copyOf(directions);
  }

  public PartitionMode partitionMode() {
    return partitionMode;
  }

  /** Which query→doc logits get the hardness penalty; null for none. */
  public HardnessMode hardnessMode() {
    return hardnessMode;
  }

  /** α, the hardness penalty's weight; 0 for none. */
  public float hardnessStrength() {
    return hardnessStrength;
  }

  /**
   * The penalty for B queries against k + 1 blocks of B documents, or null when it changes nothing (no
   * mode, strength 0, or HARD_NEGATIVES without negative columns). A row's own documents are the columns
   * j ≡ i (mod B); the op never penalises j = i.
   */
  private PairwiseLogSumExp.Hardness hardness(int batch, int docColumns) {
    if (hardnessMode == null || hardnessStrength == 0f) return null;
    if (hardnessMode == HardnessMode.HARD_NEGATIVES && docColumns == 1) return null;
    var own = PairwiseLogSumExp.Mask.diagonalEvery(batch, batch);
    return switch (hardnessMode) {
      case IN_BATCH_NEGATIVES -> new PairwiseLogSumExp.Hardness(hardnessStrength, own, true);
      case HARD_NEGATIVES -> new PairwiseLogSumExp.Hardness(hardnessStrength, own, false);
      case ALL_NEGATIVES -> new PairwiseLogSumExp.Hardness(hardnessStrength, null, true);
    };
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    int batch = InputChecks.embeddings(name(), embeddings, 2, Integer.MAX_VALUE, true);
    Tensor queries = similarity.prepare(embeddings.get(0));
    List<Tensor> docs = new ArrayList<>();
    for (int c = 1; c < embeddings.size(); c++) docs.add(similarity.prepare(embeddings.get(c)));
    Tensor allDocs = docs.size() == 1 ? docs.get(0) : Tensor.concat(docs, 0);
    Tensor positives = docs.get(0);

    // query→doc with the positive left out of both sums: its row and column log-sum-exps are over the
    // negatives only, and diag is the positive score s⁺_i all the same (never penalised).
    boolean docToQuery = directions.contains(Direction.DOC_TO_QUERY);
    PairwiseLogSumExp.Hardness hardness = hardness(batch, docs.size());
    boolean sharedColumns = docToQuery && hardness == null;
    var queryToDoc = Functional.pairwiseLogSumExp(queries, allDocs, scale, PairwiseLogSumExp.Mask.diagonal(batch),
        sharedColumns, false, hardness);
    Tensor positive = queryToDoc.diag();
    // Per direction, log of its negatives' mass relative to the positive: log Σ exp(s − s⁺_i).
    List<Tensor> negatives = new ArrayList<>();
    List<Direction> from = new ArrayList<>();
    negatives.add(queryToDoc.rowLse().sub(positive));
    from.add(Direction.QUERY_TO_DOC);
    // In a batch of one, q→q and d→d have every term masked: they add nothing, as in sentence-transformers.
    if (directions.contains(Direction.QUERY_TO_QUERY) && batch > 1) {
      negatives.add(Functional.pairwiseLogSumExp(queries, queries, scale, PairwiseLogSumExp.Mask.diagonal(batch),
          false, false).rowLse().sub(positive));
      from.add(Direction.QUERY_TO_QUERY);
    }
    if (sharedColumns) {
      // Column j < B of q·Dᵀ is d⁺_j against every query but q_j: the doc→query row of d⁺_j, positive left out.
      Tensor columns = queryToDoc.colLse();
      negatives.add((columns.size(0) == batch ? columns : columns.slice(0, 0, batch)).sub(positive));
      from.add(Direction.DOC_TO_QUERY);
    } else if (docToQuery) {
      // The columns of q·Dᵀ hold penalised logits, which doc→query must not see: d⁺·qᵀ, rows, positive left out.
      negatives.add(Functional.pairwiseLogSumExp(positives, queries, scale, PairwiseLogSumExp.Mask.diagonal(batch),
          false, false).rowLse().sub(positive));
      from.add(Direction.DOC_TO_QUERY);
    }
    if (directions.contains(Direction.DOC_TO_DOC) && batch > 1) {
      negatives.add(Functional.pairwiseLogSumExp(positives, allDocs, scale,
          PairwiseLogSumExp.Mask.diagonalEvery(batch, batch), false, false).rowLse().sub(positive));
      from.add(Direction.DOC_TO_DOC);
    }
    return (partitionMode == PartitionMode.PER_DIRECTION ? perDirection(negatives) : joint(negatives, from, batch))
        .mean();
  }

  /**
   * Joint: loss_i = log Z_i − s⁺_i = log(1 + [d→q] + Σ_directions Σ exp(s − s⁺_i)), the bracket being
   * d⁺_i against q_i, which doc→query counts a second time (as sentence-transformers does); computed as
   * softplus of the log-sum-exp of the negatives' masses, so that no term near the scale is subtracted.
   */
  private static Tensor joint(List<Tensor> negatives, List<Direction> from, int batch) {
    List<Tensor> cols = new ArrayList<>();
    // LogSumExp.rows wants a finite first column: the repeated positive when there is one.
    if (from.contains(Direction.DOC_TO_QUERY)) cols.add(Tensor.zeros(negatives.get(0).device(), batch, 1));
    for (Tensor t : negatives) cols.add(t.reshape(batch, 1));
    return Softplus.of(cols.size() == 1 ? negatives.get(0) : LogSumExp.rows(Tensor.concat(cols, 1)));
  }

  /**
   * Per direction (query→doc and doc→query, both of which hold the positive): the mean over directions of
   * log Z_i^dir − s⁺_i = softplus of that direction's negative mass.
   */
  private static Tensor perDirection(List<Tensor> negatives) {
    Tensor sum = Softplus.of(negatives.get(0));
    for (int i = 1; i < negatives.size(); i++) sum = sum.add(Softplus.of(negatives.get(i)));
    return negatives.size() == 1 ? sum : sum.mul(1f / negatives.size());
  }
}
