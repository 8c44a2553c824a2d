package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Matryoshka representation learning (Kusupati et al. 2022), as sentence-transformers' MatryoshkaLoss:
 * the wrapped loss applied to the first {@code dims[k]} dimensions of every embedding column, weighted
 * and summed, loss = Σ_k weights[k]·inner(embeddings[:, :dims[k]]), so that truncated embeddings stay
 * useful. Weights default to 1. A cosine inner loss normalises after truncating.
 */
public class MatryoshkaLoss implements EmbeddingLoss {
  private final EmbeddingLoss inner;
  private final int[] dims;
  private final float[] weights;

  public MatryoshkaLoss(EmbeddingLoss inner, int... dims) {
    this(inner, dims, null);
  }

  public MatryoshkaLoss(EmbeddingLoss inner, int[] dims, float[] weights) {
    if (dims == null || dims.length == 0) throw new IllegalArgumentException(name() + ": at least one dimension is needed");
    for (int d : dims) if (d < 1) throw new IllegalArgumentException(name() + ": dimensions must be ≥ 1, got " + Arrays.toString(dims));
    if (weights != null && weights.length != dims.length) {
      throw new IllegalArgumentException(name() + ": " + weights.length + " weights for " + dims.length + " dimensions");
    }
    this.inner = inner;
    this.dims = dims.clone();
    this.weights = weights == null ? null : weights.clone();
  }

  @Override
  public Tensor computeLoss(List<Tensor> embeddings, float[] labels) {
    if (embeddings == null || embeddings.isEmpty()) throw new IllegalArgumentException(name() + ": no embedding columns");
    Tensor total = null;
    for (int k = 0; k < dims.length; k++) {
      List<Tensor> truncated = new ArrayList<>();
      for (int c = 0; c < embeddings.size(); c++) {
        Tensor e = embeddings.get(c);
        if (e.dim() != 2 || e.size(1) < dims[k]) {
          throw new IllegalArgumentException(name() + ": column " + c + " has shape " + Arrays.toString(e.shape())
              + ", too narrow for the Matryoshka dimension " + dims[k]);
        }
        truncated.add(e.size(1) == dims[k] ? e : e.slice(1, 0, dims[k]));
      }
      Tensor l = inner.computeLoss(truncated, labels);
      if (weights != null) l = l.mul(weights[k]);
      total = total == null ? l : total.add(l);
    }
    return total;
  }

  @Override
  public String name() {
    return inner == null ? "MatryoshkaLoss" : "MatryoshkaLoss(" + inner.name() + ")";
  }
}
