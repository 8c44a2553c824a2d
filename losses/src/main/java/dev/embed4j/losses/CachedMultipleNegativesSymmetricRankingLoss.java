package dev.embed4j.losses;

/**
 * {@link MultipleNegativesSymmetricRankingLoss} with gradient caching: see
 * {@link CachedMultipleNegativesRankingLoss}.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedMultipleNegativesSymmetricRankingLoss<T> extends CachedMultipleNegativesRankingLoss<T> {
  public CachedMultipleNegativesSymmetricRankingLoss() {
    this(new MultipleNegativesSymmetricRankingLoss(), 32);
  }

  public CachedMultipleNegativesSymmetricRankingLoss(MultipleNegativesSymmetricRankingLoss loss, int miniBatchSize) {
    super(loss, miniBatchSize);
  }

  public CachedMultipleNegativesSymmetricRankingLoss(MultipleNegativesSymmetricRankingLoss loss,
      MiniBatches<T> miniBatches) {
    super(loss, miniBatches);
  }
}
