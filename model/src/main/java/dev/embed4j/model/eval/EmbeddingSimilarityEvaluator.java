package dev.embed4j.model.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Graded similarity, as sentence-transformers' EmbeddingSimilarityEvaluator: the Spearman and Pearson
 * correlation between the cosine similarity of each pair's embeddings and its gold score. The primary
 * metric is the Spearman correlation, as in ST.
 */
public final class EmbeddingSimilarityEvaluator implements Evaluator {
  private final String name;
  private final List<String> sentences1, sentences2;
  private final double[] scores;
  private final String prompt;

  public EmbeddingSimilarityEvaluator(String name, List<String> sentences1, List<String> sentences2, double[] scores,
      String prompt) {
    if (sentences1.size() != sentences2.size() || sentences1.size() != scores.length) {
      throw new IllegalArgumentException(name + ": " + sentences1.size() + " first sentences, " + sentences2.size()
          + " second sentences and " + scores.length + " scores; they must be equal in number");
    }
    if (scores.length < 2) throw new IllegalArgumentException(name + ": need at least 2 pairs to correlate");
    this.name = name;
    this.sentences1 = List.copyOf(sentences1);
    this.sentences2 = List.copyOf(sentences2);
    this.scores = scores.clone();
    this.prompt = prompt == null ? "" : prompt;
  }

  /** {@code <name>_spearman_cosine}. */
  @Override
  public String primaryMetric() {
    return name + "_spearman_cosine";
  }

  /** Metrics named {@code <name>_spearman_cosine} and {@code <name>_pearson_cosine}. */
  @Override
  public Map<String, Double> evaluate(TextEmbedder model) {
    float[][] e1 = model.embed(sentences1, prompt), e2 = model.embed(sentences2, prompt);
    double[] cos = new double[scores.length];
    for (int i = 0; i < cos.length; i++) cos[i] = Similarity.cosine(e1[i], e2[i]);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(name + "_spearman_cosine", Similarity.spearman(cos, scores));
    out.put(name + "_pearson_cosine", Similarity.pearson(cos, scores));
    return out;
  }
}
