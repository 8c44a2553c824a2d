package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@link GISTEmbedLoss} with gradient caching: the guide embeds the batch in the same mini-batches without
 * a graph, the model as in {@link CachedMultipleNegativesRankingLoss} (see {@link GradCache},
 * {@link MiniBatches}; default 32 inputs a mini-batch).
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedGISTEmbedLoss<T> implements CachedLoss<T> {
  private final GISTEmbedLoss<T> loss;
  private final MiniBatches<T> miniBatches;

  public CachedGISTEmbedLoss(Embedder<T> guide) {
    this(new GISTEmbedLoss<>(guide), 32);
  }

  public CachedGISTEmbedLoss(GISTEmbedLoss<T> loss, int miniBatchSize) {
    this(loss, CachedMultipleNegativesRankingLoss.checkedSize(CachedGISTEmbedLoss.class, miniBatchSize));
  }

  public CachedGISTEmbedLoss(GISTEmbedLoss<T> loss, MiniBatches<T> miniBatches) {
    if (miniBatches == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": miniBatches is null");
    this.loss = loss;
    this.miniBatches = miniBatches;
  }

  @Override
  public MiniBatches<T> miniBatches() {
    return miniBatches;
  }

  /**
   * The guide's embeddings are not truncated by a wrapping {@link CachedMatryoshkaLoss}: the guide is
   * another model, and only its similarities matter.
   */
  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random,
      UnaryOperator<Function<List<Tensor>, Tensor>> around) {
    String name = getClass().getSimpleName();
    InputChecks.inputColumns(name, columns, 2, 3);
    List<Tensor> guide = loss.guideEmbeddings(columns, miniBatches);
    Function<List<Tensor>, Tensor> of = e -> loss.computeLoss(e, guide);
    return GradCache.forward(name, model, columns, miniBatches, random, around.apply(of));
  }
}
