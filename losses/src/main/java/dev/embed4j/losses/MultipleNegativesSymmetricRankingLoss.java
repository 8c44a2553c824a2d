package dev.embed4j.losses;

import java.util.EnumSet;

/**
 * Symmetric InfoNCE (e.g. Günther et al. 2023, jina-embeddings): the mean of the query→doc cross-entropy
 * over the rows and the doc→query cross-entropy over the columns of the positive block,
 * <pre>
 *   loss = ½ · mean_i ( lse_j s(q_i, D_j) − s(q_i, d⁺_i) ) + ½ · mean_i ( lse_j s(d⁺_i, q_j) − s(q_i, d⁺_i) )
 * </pre>
 * that is {@link MultipleNegativesRankingLoss} with directions (query→doc, doc→query) and
 * {@link PartitionMode#PER_DIRECTION}, the preset sentence-transformers now recommends in its place.
 * Hard-negative columns add to the query→doc denominators only. Both terms come from one fused pass.
 */
public class MultipleNegativesSymmetricRankingLoss extends MultipleNegativesRankingLoss {
  public MultipleNegativesSymmetricRankingLoss() {
    this(20f, SimilarityFunction.COSINE);
  }

  public MultipleNegativesSymmetricRankingLoss(float scale, SimilarityFunction similarity) {
    super(scale, similarity, EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY), PartitionMode.PER_DIRECTION);
  }
}
