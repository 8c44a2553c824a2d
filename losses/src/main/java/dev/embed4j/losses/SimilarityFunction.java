package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;

/** How two embeddings are compared: cosine similarity (sentence-transformers' default) or the dot product. */
public enum SimilarityFunction {
  COSINE,
  DOT;

  /** Rows made ready for a dot product: unit length for cosine, unchanged for dot. */
  public Tensor prepare(Tensor embeddings) {
    return this == COSINE ? embeddings.l2Normalize() : embeddings;
  }

  /** Similarity of row i of a with row i of b, for [batch, dim] inputs; a [batch] tensor. */
  public Tensor paired(Tensor a, Tensor b) {
    return prepare(a).mul(prepare(b)).sum(-1, false);
  }
}
