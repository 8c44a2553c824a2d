package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * {@link GISTEmbedLoss} with gradient caching: the guide embeds the batch in mini-batches without a
 * graph, the model as in {@link CachedMultipleNegativesRankingLoss} (see {@link GradCache}).
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedGISTEmbedLoss<T> implements EncoderLoss<T> {
  private final GISTEmbedLoss<T> loss;
  private final int miniBatchSize;

  public CachedGISTEmbedLoss(Embedder<T> guide) {
    this(new GISTEmbedLoss<>(guide), 32);
  }

  public CachedGISTEmbedLoss(GISTEmbedLoss<T> loss, int miniBatchSize) {
    if (miniBatchSize < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": miniBatchSize must be ≥ 1, got " + miniBatchSize);
    }
    this.loss = loss;
    this.miniBatchSize = miniBatchSize;
  }

  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
    String name = getClass().getSimpleName();
    InputChecks.inputColumns(name, columns, 2, 3);
    List<Tensor> guide = loss.guideEmbeddings(columns, miniBatchSize);
    return GradCache.forward(name, model, columns, miniBatchSize, random, e -> loss.computeLoss(e, guide));
  }
}
