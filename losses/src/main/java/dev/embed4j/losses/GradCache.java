package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Gradient caching (Gao et al. 2021, "Scaling Deep Contrastive Learning Batch Size under Memory Limited
 * Setup"), the procedure behind the Cached losses:
 * <ol>
 *   <li>embed every column in mini-batches without a graph, saving the generator's state before each;
 *   <li>compute the loss on those embeddings (as leaves) and back-propagate to them: the cached gradient;
 *   <li>when the returned loss is back-propagated, re-embed each mini-batch with a graph, replaying its
 *       saved random state so the dropout masks are the ones of step 1, and back-propagate the cached
 *       gradient (times the upstream gradient) through the encoder.
 * </ol>
 * The mini-batches are cut by {@link MiniBatches} (a count of inputs, a token budget, or both). Peak
 * activation memory is one mini-batch's; the parameter gradients equal those of the plain loss over
 * embeddings computed mini-batch by mini-batch with the same generator, to float rounding.
 */
final class GradCache<T> extends Node {
  private final Embedder<T> model;
  private final List<List<T>> columns;
  private final int[][] bounds;
  private final Generator random;
  private final long[][] states;
  private Tensor[] cachedGradients;

  private GradCache(Embedder<T> model, List<List<T>> columns, int[][] bounds, Generator random, long[][] states,
      Tensor[] cachedGradients) {
    super();
    this.model = model;
    this.columns = columns;
    this.bounds = bounds;
    this.random = random;
    this.states = states;
    this.cachedGradients = cachedGradients;
  }

  static <T> Tensor forward(String loss, Embedder<T> model, List<List<T>> columns, MiniBatches<T> miniBatches,
      Generator random, Function<List<Tensor>, Tensor> lossOfEmbeddings) {
    InputChecks.inputColumns(loss, columns, 1, Integer.MAX_VALUE);
    int[][] bounds = new int[columns.size()][];
    long[][] states = new long[columns.size()][];
    List<Tensor> embeddings = new ArrayList<>();
    try (var off = Grad.off()) {
      for (int c = 0; c < columns.size(); c++) {
        bounds[c] = miniBatches.bounds(columns.get(c));
        states[c] = new long[bounds[c].length - 1];
        List<Tensor> parts = new ArrayList<>();
        for (int k = 0; k < states[c].length; k++) {
          int from = bounds[c][k], to = bounds[c][k + 1];
          states[c][k] = random.state();
          parts.add(checked(loss, c, to - from, model.embed(columns.get(c).subList(from, to), random)));
        }
        embeddings.add(parts.size() == 1 ? parts.get(0) : Tensor.concat(parts, 0));
      }
    }
    if (!Grad.isEnabled()) return lossOfEmbeddings.apply(embeddings);
    List<Tensor> leaves = new ArrayList<>();
    for (Tensor e : embeddings) leaves.add(e.detach().requiresGrad(true));
    Tensor value = lossOfEmbeddings.apply(leaves);
    value.backward();
    Tensor[] cached = new Tensor[leaves.size()];
    for (int c = 0; c < cached.length; c++) {
      Tensor g = leaves.get(c).grad();
      cached[c] = g != null ? g : Tensor.zeros(leaves.get(c).device(), leaves.get(c).shape());
    }
    Tensor result;
    try (var off = Grad.off()) {
      result = value.detach().copy();
    }
    return new GradCache<>(model, columns, bounds, random, states, cached).attach(result);
  }

  private static Tensor checked(String loss, int column, int rows, Tensor embedding) {
    int[] s = embedding.shape();
    if (s.length != 2 || s[0] != rows) {
      throw new IllegalStateException(loss + ": the encoder returned shape " + Arrays.toString(s) + " for " + rows
          + " inputs of column " + column + "; expected [" + rows + ", dim]");
    }
    return embedding;
  }

  @Override
  protected Tensor[] backward(Tensor[] gradOutputs) {
    float upstream = gradOutputs[0].item();
    long resume = random.state();
    try (var on = Grad.on()) {
      for (int c = 0; c < columns.size(); c++) {
        for (int k = 0; k < states[c].length; k++) {
          int from = bounds[c][k], to = bounds[c][k + 1];
          random.setState(states[c][k]);
          Tensor e = model.embed(columns.get(c).subList(from, to), random);
          if (!e.requiresGrad()) continue; // a frozen encoder: nothing to train
          e.backward(cachedGradients[c].slice(0, from, to).mul(upstream));
        }
      }
    } finally {
      random.setState(resume);
    }
    return new Tensor[0];
  }

  @Override
  protected void releaseSaved() {
    cachedGradients = null;
  }
}
