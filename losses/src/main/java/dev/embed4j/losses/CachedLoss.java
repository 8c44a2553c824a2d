package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A loss run through {@link GradCache}: the encoder embeds in mini-batches, then one function turns the
 * whole batch's cached embeddings into the loss. A wrapper such as {@link CachedMatryoshkaLoss} replaces
 * that function ({@code around}) and so works on the cached embeddings without embedding twice, as
 * sentence-transformers' MatryoshkaLoss decorates its cached losses.
 */
interface CachedLoss<T> extends EncoderLoss<T> {
  Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random,
      UnaryOperator<Function<List<Tensor>, Tensor>> around);

  MiniBatches<T> miniBatches();

  @Override
  default Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
    return forward(model, columns, labels, random, UnaryOperator.identity());
  }
}
