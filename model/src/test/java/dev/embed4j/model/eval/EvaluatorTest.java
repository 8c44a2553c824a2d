package dev.embed4j.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
  private static InformationRetrievalEvaluator ir(Map<String, Set<String>> rel) {
    Map<String, String> q = new LinkedHashMap<>();
    for (String id : rel.keySet()) q.put(id, id);
    Map<String, String> c = new LinkedHashMap<>();
    for (String d : List.of("d1", "d2", "d3", "d4")) c.put(d, d);
    return new InformationRetrievalEvaluator("ir", q, c, rel, "query: ", "");
  }

  @Test
  void retrievalMetricsByHand() {
    var ev = ir(Map.of("q", Set.of("d1", "d3")));
    Map<String, Double> m = ev.metrics(List.of(List.of("d2", "d1", "d4", "d3")));
    double log2of3 = Math.log(3) / Math.log(2), log2of5 = Math.log(5) / Math.log(2);
    assertEquals(0.5, m.get("ir_cosine_mrr@10"), 1e-12);
    assertEquals((1 / log2of3 + 1 / log2of5) / (1 + 1 / log2of3), m.get("ir_cosine_ndcg@10"), 1e-12);
    assertEquals(0.0, m.get("ir_cosine_recall@1"), 1e-12);
    assertEquals(1.0, m.get("ir_cosine_recall@5"), 1e-12);
    assertEquals((1 / 2.0 + 2 / 4.0) / 2, m.get("ir_cosine_map@100"), 1e-12);
    assertEquals(1.0, m.get("ir_cosine_accuracy@5"), 1e-12);
  }

  @Test
  void retrievalRanksByCosineOfTheEmbeddingsWithThePrompt() {
    // "query: qX" embeds next to dX; without the prompt every query would land on d4
    Map<String, float[]> vec = Map.of("d1", new float[] {1, 0, 0}, "d2", new float[] {0, 1, 0}, "d3", new float[] {0, 0, 1},
        "d4", new float[] {1, 1, 1}, "query: q1", new float[] {0.9f, 0.1f, 0}, "query: q2", new float[] {0.1f, 0.8f, 0});
    TextEmbedder model = (texts, prompt) -> texts.stream().map(t -> vec.getOrDefault(prompt + t, new float[] {1, 1, 1})).toArray(float[][]::new);
    Map<String, String> queries = Map.of("q1", "q1", "q2", "q2");
    Map<String, String> corpus = new LinkedHashMap<>();
    for (String d : List.of("d1", "d2", "d3", "d4")) corpus.put(d, d);
    var ev = new InformationRetrievalEvaluator("ir", queries, corpus, Map.of("q1", Set.of("d1"), "q2", Set.of("d2")), "query: ", "");
    assertEquals(1.0, ev.evaluate(model).get("ir_cosine_mrr@10"), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> new InformationRetrievalEvaluator("ir", queries, corpus, Map.of("q1", Set.of("d9")), "", ""));
  }

  @Test
  void spearmanAveragesTiedRanksAsScipy() {
    assertEquals(0.8207826816681233, Similarity.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}), 1e-12);
    assertEquals(-1.0, Similarity.spearman(new double[] {1, 2, 3}, new double[] {9, 4, 1}), 1e-12);
    assertEquals(1.0, Similarity.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-12);
  }

  @Test
  void similarityEvaluatorCorrelatesCosineWithGoldScores() {
    TextEmbedder model = (texts, prompt) -> texts.stream().map(t -> new float[] {1, Float.parseFloat(t)}).toArray(float[][]::new);
    var ev = new EmbeddingSimilarityEvaluator("sts", List.of("0", "0", "0"), List.of("0.1", "1", "10"), new double[] {3, 2, 1}, "");
    Map<String, Double> m = ev.evaluate(model);
    assertEquals(1.0, m.get("sts_spearman_cosine"), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> new EmbeddingSimilarityEvaluator("sts", List.of("a"), List.of("b", "c"), new double[] {1}, ""));
  }
}
