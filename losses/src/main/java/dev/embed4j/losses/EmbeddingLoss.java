package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * A loss computed from the embeddings of a batch, as sentence-transformers' {@code compute_loss_from_embeddings}:
 * one [batch, dim] tensor per input column (anchor, positive, negatives…, or the two sentences of a pair),
 * and for graded pairs one label per example. The result is a scalar whose {@code backward()} reaches
 * whatever computed the embeddings.
 */
public interface EmbeddingLoss {
  /**
   * @param embeddings one [batch, dim] tensor per column, in the dataset's column order
   * @param labels one score per example for losses that use them (else ignored, may be null)
   */
  Tensor computeLoss(List<Tensor> embeddings, float[] labels);

  default Tensor computeLoss(List<Tensor> embeddings) {
    return computeLoss(embeddings, null);
  }

  /**
   * {@link #computeLoss(List, float[])} for a loss that draws at random (a Matryoshka subset of
   * dimensions): {@code random} is the training step's generator, whose state a checkpoint keeps. The
   * default ignores it.
   */
  default Tensor computeLoss(List<Tensor> embeddings, float[] labels, Generator random) {
    return computeLoss(embeddings, labels);
  }

  /** The name used in error messages and logs. */
  default String name() {
    return getClass().getSimpleName();
  }
}
