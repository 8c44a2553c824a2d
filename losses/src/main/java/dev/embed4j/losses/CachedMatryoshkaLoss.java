package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * {@link MatryoshkaLoss} over a cached loss ({@link CachedMultipleNegativesRankingLoss}, its symmetric form,
 * {@link CachedGISTEmbedLoss}), as sentence-transformers' MatryoshkaLoss wraps them: the encoder runs once
 * per mini-batch at the full dimension, the cached embeddings are truncated to each Matryoshka dimension
 * and the cached loss's loss-of-embeddings is summed over them, Σ_k weights[k]·inner(E[:, :dims[k]]); the
 * gradient of that sum is what {@link GradCache} sends back through the encoder. So the gradients equal
 * those of {@code MatryoshkaLoss(inner)} on embeddings computed mini-batch by mini-batch, and the encoder
 * cost is that of the cached loss alone, not one pass per dimension. Weights default to 1, nDimsPerStep
 * to -1 (all dimensions; see {@link MatryoshkaLoss}). Each step's subset is drawn before the encoder runs,
 * from the loss's own generator or, without one, from the step's.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class CachedMatryoshkaLoss<T> implements EncoderLoss<T> {
  private final CachedLoss<T> cached;
  private final MatryoshkaDims dims;

  public CachedMatryoshkaLoss(EncoderLoss<T> cached, int... dims) {
    this(cached, dims, null, -1, null);
  }

  public CachedMatryoshkaLoss(EncoderLoss<T> cached, int[] dims, float[] weights, int nDimsPerStep, Generator random) {
    if (!(cached instanceof CachedLoss<T> c)) {
      throw new IllegalArgumentException("CachedMatryoshkaLoss: wraps a cached loss (CachedMultipleNegativesRankingLoss,"
          + " CachedMultipleNegativesSymmetricRankingLoss, CachedGISTEmbedLoss), got "
          + (cached == null ? "null" : cached.getClass().getSimpleName())
          + "; wrap a plain EmbeddingLoss in MatryoshkaLoss instead");
    }
    this.cached = c;
    this.dims = new MatryoshkaDims("CachedMatryoshkaLoss(" + cached.getClass().getSimpleName() + ")", dims, weights,
        nDimsPerStep, random);
  }

  public int[] dims() {
    return dims.dims();
  }

  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
    int[] chosen = dims.drawStep(random);
    return cached.forward(model, columns, labels, random, of -> e -> dims.sum(e, of, chosen));
  }
}
