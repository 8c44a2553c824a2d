package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * Matryoshka representation learning (Kusupati et al. 2022), as sentence-transformers' MatryoshkaLoss:
 * the wrapped loss applied to the first {@code dims[k]} dimensions of every embedding column, weighted
 * and summed, loss = Σ_k weights[k]·inner(embeddings[:, :dims[k]]), so that truncated embeddings stay
 * useful. Weights default to 1. A cosine inner loss normalises after truncating.
 *
 * <p>{@code nDimsPerStep} (sentence-transformers' {@code n_dims_per_step}, default -1: all) sums over only
 * n of the dimensions in each call, drawn uniformly without replacement from the given {@link Generator},
 * which the caller owns: restoring its {@code state()} replays the same draws (ST draws from Python's
 * global {@code random}). Without one, the subsets come from the generator of
 * {@link #computeLoss(List, float[], Generator)}: in training, the step's, which the trainer's checkpoint
 * holds, so a resumed run draws what the uninterrupted run would have. For a cached inner loss use
 * {@link CachedMatryoshkaLoss}.
 */
public class MatryoshkaLoss implements EmbeddingLoss {
  private final EmbeddingLoss inner;
  private final MatryoshkaDims dims;

  public MatryoshkaLoss(EmbeddingLoss inner, int... dims) {
    this(inner, dims, null);
  }

  public MatryoshkaLoss(EmbeddingLoss inner, int[] dims, float[] weights) {
    this(inner, dims, weights, -1, null);
  }

  /**
   * @param weights one per dimension, or null for all 1
   * @param nDimsPerStep how many dimensions each call uses, -1 for all
   * @param random where the subsets are drawn from, or null for the generator each call is given (needed
   *     then when nDimsPerStep &lt; dims.length)
   */
  public MatryoshkaLoss(EmbeddingLoss inner, int[] dims, float[] weights, int nDimsPerStep, Generator random) {
    this.inner = inner;
    this.dims = new MatryoshkaDims(name(), dims, weights, nDimsPerStep, random);
  }

  public int[] dims() {
    return dims.dims();
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    return computeLoss(embeddings, labels, null);
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels, Generator random) {
    return dims.sum(embeddings, e -> inner.computeLoss(e, labels, random), dims.drawStep(random));
  }

  @Override
  public String name() {
    return inner == null ? "MatryoshkaLoss" : "MatryoshkaLoss(" + inner.name() + ")";
  }
}
