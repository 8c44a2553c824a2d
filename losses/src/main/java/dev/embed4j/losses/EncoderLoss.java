package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A loss that runs the encoder itself, because it embeds in mini-batches (GradCache) or needs a second
 * model (a guide). {@link #forward} returns a scalar; its {@code backward()} accumulates the gradients of
 * the encoder's parameters.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public interface EncoderLoss<T> {
  /**
   * @param columns one list of inputs per column, all of the batch's length
   * @param labels one score per example, or null
   * @param random the source of the encoder's dropout masks
   */
  Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random);

  /** The plain way: embed each column in one call with a graph, then {@code loss.computeLoss}. */
  static <T> EncoderLoss<T> of(EmbeddingLoss loss) {
    return new OfEmbeddings<>(loss);
  }

  /** What {@link #of} returns: the embedding loss stays reachable, so a model card can name it and its parameters. */
  record OfEmbeddings<T>(EmbeddingLoss loss) implements EncoderLoss<T> {
    public OfEmbeddings {
      if (loss == null) throw new IllegalArgumentException("EncoderLoss.of: the loss must not be null");
    }

    @Override
    public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
      List<Tensor> embeddings = new ArrayList<>();
      for (List<T> column : columns) embeddings.add(model.embed(column, random));
      return loss.computeLoss(embeddings, labels, random);
    }
  }
}
