package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@link MultipleNegativesRankingLoss} with gradient caching (Gao et al. 2021), so the batch, and with it
 * the number of in-batch negatives, is not limited by activation memory: the encoder runs in mini-batches
 * (see {@link MiniBatches}: default 32 inputs, or a token budget as sentence-transformers 5.7's
 * {@code mini_batch_num_tokens}), the loss runs once over the whole batch through the fused kernel, and
 * the gradient comes back to the encoder mini-batch by mini-batch with the dropout masks replayed (see
 * {@link GradCache}). Same gradients as the plain loss, at about the cost of one more forward pass of the
 * encoder.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedMultipleNegativesRankingLoss<T> implements CachedLoss<T> {
  private final MultipleNegativesRankingLoss loss;
  private final MiniBatches<T> miniBatches;

  public CachedMultipleNegativesRankingLoss() {
    this(new MultipleNegativesRankingLoss(), 32);
  }

  /** @param loss the loss to cache, which fixes scale, similarity, directions and partition mode */
  public CachedMultipleNegativesRankingLoss(MultipleNegativesRankingLoss loss, int miniBatchSize) {
    this(loss, checkedSize(CachedMultipleNegativesRankingLoss.class, miniBatchSize));
  }

  /** @param miniBatches how each column is cut for the encoder: by count, by token budget, or both */
  public CachedMultipleNegativesRankingLoss(MultipleNegativesRankingLoss loss, MiniBatches<T> miniBatches) {
    if (miniBatches == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": miniBatches is null");
    this.loss = loss;
    this.miniBatches = miniBatches;
  }

  static <T> MiniBatches<T> checkedSize(Class<?> loss, int miniBatchSize) {
    if (miniBatchSize < 1) {
      throw new IllegalArgumentException(loss.getSimpleName() + ": miniBatchSize must be ≥ 1, got " + miniBatchSize);
    }
    return MiniBatches.ofSize(miniBatchSize);
  }

  public MultipleNegativesRankingLoss loss() {
    return loss;
  }

  /** The input limit per mini-batch; {@code Integer.MAX_VALUE} when only a token budget is set. */
  public int miniBatchSize() {
    return miniBatches.miniBatchSize();
  }

  @Override
  public MiniBatches<T> miniBatches() {
    return miniBatches;
  }

  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random,
      UnaryOperator<Function<List<Tensor>, Tensor>> around) {
    String name = getClass().getSimpleName();
    InputChecks.inputColumns(name, columns, 2, Integer.MAX_VALUE);
    Function<List<Tensor>, Tensor> of = e -> loss.computeLoss(e, labels);
    return GradCache.forward(name, model, columns, miniBatches, random, around.apply(of));
  }
}
