package dev.embed4j.model.eval;

import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An evaluator run once per Matryoshka dimension on the embeddings truncated to their first {@code d}
 * values (what sentence-transformers does with an evaluator's {@code truncate_dim}, one evaluator per
 * dimension): each metric {@code m} of the inner evaluator is reported as {@code m_dim_<d>}, e.g.
 * {@code sts_spearman_cosine_dim_128}. Cosine metrics normalise after truncating, as a truncated model
 * would. The texts are embedded once, at full width, and truncated per dimension. The primary metric is the inner one at the first dimension listed (list the full dimension
 * first, as ST's examples do, to select by it).
 */
public final class MatryoshkaEvaluator implements Evaluator {
  private final Evaluator inner;
  private final int[] dims;

  public MatryoshkaEvaluator(Evaluator inner, int... dims) {
    if (inner == null) throw new IllegalArgumentException("MatryoshkaEvaluator: the inner evaluator is null");
    if (dims == null || dims.length == 0) throw new IllegalArgumentException("MatryoshkaEvaluator: at least one dimension is needed");
    for (int d : dims) {
      if (d < 1) throw new IllegalArgumentException("MatryoshkaEvaluator: dimensions must be ≥ 1, got " + Arrays.toString(dims));
    }
    if (Arrays.stream(dims).distinct().count() != dims.length) {
      throw new IllegalArgumentException("MatryoshkaEvaluator: dimensions repeat in " + Arrays.toString(dims));
    }
    this.inner = inner;
    this.dims = dims.clone();
  }

  static String suffix(String metric, int dim) {
    return metric + "_dim_" + dim;
  }

  @Override
  public String primaryMetric() {
    return suffix(inner.primaryMetric(), dims[0]);
  }

  @Override
  public Map<String, Double> evaluate(TextEmbedder model) {
    Map<String, Double> out = new LinkedHashMap<>();
    // the inner evaluator asks for the same lists at every dimension: embed each once, at full width
    Map<List<String>, Map<String, float[][]>> embedded = new IdentityHashMap<>();
    for (int d : dims) {
      TextEmbedder truncated = (texts, prompt) -> {
        float[][] full = embedded.computeIfAbsent(texts, t -> new HashMap<>())
            .computeIfAbsent(prompt, p -> model.embed(texts, p));
        float[][] cut = new float[full.length][];
        for (int i = 0; i < full.length; i++) {
          if (full[i].length < d) {
            throw new IllegalArgumentException("MatryoshkaEvaluator: the model embeds in " + full[i].length
                + " dimensions, fewer than the Matryoshka dimension " + d + " of " + Arrays.toString(dims));
          }
          cut[i] = Arrays.copyOf(full[i], d);
        }
        return cut;
      };
      for (var m : inner.evaluate(truncated).entrySet()) out.put(suffix(m.getKey(), d), m.getValue());
    }
    return out;
  }
}
