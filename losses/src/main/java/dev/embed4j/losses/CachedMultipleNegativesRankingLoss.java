package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * {@link MultipleNegativesRankingLoss} with gradient caching (Gao et al. 2021), so the batch, and with it
 * the number of in-batch negatives, is not limited by activation memory: the encoder runs in mini-batches
 * of {@code miniBatchSize} (default 32), the loss runs once over the whole batch through the fused
 * kernel, and the gradient comes back to the encoder mini-batch by mini-batch with the dropout masks
 * replayed (see {@link GradCache}). Same gradients as the plain loss, at about the cost of one more
 * forward pass of the encoder.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedMultipleNegativesRankingLoss<T> implements EncoderLoss<T> {
  private final MultipleNegativesRankingLoss loss;
  private final int miniBatchSize;

  public CachedMultipleNegativesRankingLoss() {
    this(new MultipleNegativesRankingLoss(), 32);
  }

  /** @param loss the loss to cache, which fixes scale, similarity, directions and partition mode */
  public CachedMultipleNegativesRankingLoss(MultipleNegativesRankingLoss loss, int miniBatchSize) {
    if (miniBatchSize < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": miniBatchSize must be ≥ 1, got " + miniBatchSize);
    }
    this.loss = loss;
    this.miniBatchSize = miniBatchSize;
  }

  public MultipleNegativesRankingLoss loss() {
    return loss;
  }

  public int miniBatchSize() {
    return miniBatchSize;
  }

  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
    String name = getClass().getSimpleName();
    InputChecks.inputColumns(name, columns, 2, Integer.MAX_VALUE);
    return GradCache.forward(name, model, columns, miniBatchSize, random, e -> loss.computeLoss(e, labels));
  }
}
