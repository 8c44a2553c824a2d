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
 * {@link PartitionMode#PER_DIRECTION} it is the mean of the per-direction log-sum-exps. The masking is
 * sentence-transformers' (5.3 and later). Defaults: scale 20, cosine similarity, query→doc, joint.
 *
 * <p>Each direction is one call to the fused {@link PairwiseLogSumExp} op: query→doc and doc→query
 * share one pass (the row and the column log-sum-exp of q·Dᵀ, the latter restricted to the positive
 * block), so no B × (k+1)B matrix is ever held.
 */
public class MultipleNegativesRankingLoss implements EmbeddingLoss {
  private final float scale;
  private final SimilarityFunction similarity;
  private final Set<Direction> directions;
  private final PartitionMode partitionMode;

  public MultipleNegativesRankingLoss() {
    this(20f, SimilarityFunction.COSINE);
  }

  public MultipleNegativesRankingLoss(float scale, SimilarityFunction similarity) {
    this(scale, similarity, EnumSet.of(Direction.QUERY_TO_DOC), PartitionMode.JOINT);
  }

  public MultipleNegativesRankingLoss(float scale, SimilarityFunction similarity, Set<Direction> directions,
      PartitionMode partitionMode) {
    if (!(scale > 0) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException(name() + ": scale must be a positive number, got " + scale);
    }
    if (directions == null || directions.isEmpty()) {
      throw new IllegalArgumentException(name() + ": at least one direction is needed");
    }
    if (!directions.contains(Direction.QUERY_TO_DOC)) {
      throw new IllegalArgumentException(name() + ": directions must include QUERY_TO_DOC, which holds the positive pair; got "
          + directions);
    }
    this.scale = scale;
    this.similarity = similarity;
    this.directions = EnumSet.copyOf(directions);
    this.partitionMode = partitionMode;
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

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    int batch = InputChecks.embeddings(name(), embeddings, 2, Integer.MAX_VALUE, true);
    Tensor queries = similarity.prepare(embeddings.get(0));
    List<Tensor> docs = new ArrayList<>();
    for (int c = 1; c < embeddings.size(); c++) docs.add(similarity.prepare(embeddings.get(c)));
    Tensor allDocs = docs.size() == 1 ? docs.get(0) : Tensor.concat(docs, 0);
    Tensor positives = docs.get(0);

    List<Tensor> logZ = new ArrayList<>();
    boolean docToQuery = directions.contains(Direction.DOC_TO_QUERY);
    var queryToDoc = Functional.pairwiseLogSumExp(queries, allDocs, scale, null, docToQuery);
    Tensor positiveScores = queryToDoc.diag();
    logZ.add(queryToDoc.rowLse());
    if (directions.contains(Direction.QUERY_TO_QUERY)) {
      logZ.add(Functional.pairwiseLogSumExp(queries, queries, scale, PairwiseLogSumExp.Mask.diagonal(batch), false)
          .rowLse());
    }
    if (docToQuery) {
      // Column j < B of q·Dᵀ is d⁺_j against every query: the doc→query row of d⁺_j.
      Tensor columns = queryToDoc.colLse();
      logZ.add(columns.size(0) == batch ? columns : columns.slice(0, 0, batch));
    }
    if (directions.contains(Direction.DOC_TO_DOC)) {
      logZ.add(Functional.pairwiseLogSumExp(positives, allDocs, scale,
          PairwiseLogSumExp.Mask.diagonalEvery(batch, batch), false).rowLse());
    }
    Tensor z = combine(logZ, batch, partitionMode);
    return z.sub(positiveScores).mean();
  }

  /** log Z_i from the per-direction log-sum-exps: their log-sum-exp (joint) or their mean. */
  static Tensor combine(List<Tensor> logZ, int batch, PartitionMode mode) {
    if (logZ.size() == 1) return logZ.get(0);
    if (mode == PartitionMode.PER_DIRECTION) {
      Tensor sum = logZ.get(0);
      for (int i = 1; i < logZ.size(); i++) sum = sum.add(logZ.get(i));
      return sum.mul(1f / logZ.size());
    }
    List<Tensor> cols = new ArrayList<>();
    for (Tensor t : logZ) cols.add(t.reshape(batch, 1));
    return LogSumExp.rows(Tensor.concat(cols, 1));
  }
}
