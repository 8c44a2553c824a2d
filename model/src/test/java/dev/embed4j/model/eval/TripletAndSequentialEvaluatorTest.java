package dev.embed4j.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.SimilarityFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TripletEvaluator, SequentialEvaluator and MatryoshkaEvaluator against hand-worked values. */
class TripletAndSequentialEvaluatorTest {
  private static final Map<String, float[]> VEC = new HashMap<>();
  static {
    VEC.put("a", new float[] {1, 0});
    VEC.put("p", new float[] {0.8f, 0.6f}); // cos .8, dot .8, euclid .632, manhattan .8
    VEC.put("n", new float[] {0.6f, 0.8f}); // cos .6, dot .6, euclid .894, manhattan 1.2
    VEC.put("far", new float[] {3, 3}); //     cos .707, dot 3, euclid 3.61, manhattan 5
    VEC.put("q: a", new float[] {0, 1});
  }
  private static final TextEmbedder MODEL = (texts, prompt) -> {
    float[][] out = new float[texts.size()][];
    for (int i = 0; i < out.length; i++) out[i] = VEC.get(prompt + texts.get(i)).clone();
    return out;
  };

  @Test
  void tripletAccuracyPerSimilarityWithMargin() {
    // triplet 1: (a, p, n): every function prefers p; triplet 2: (a, p, far): cosine prefers p (.8 > .707),
    // dot prefers far (3 > .8), the distances prefer p.
    List<String> anchors = List.of("a", "a"), positives = List.of("p", "p"), negatives = List.of("n", "far");
    var plain = new TripletEvaluator("t", anchors, positives, negatives);
    assertEquals(Map.of("t_cosine_accuracy", 1.0), plain.evaluate(MODEL));
    assertEquals("t_cosine_accuracy", plain.primaryMetric());

    var all = new TripletEvaluator("t", anchors, positives, negatives, List.of(SimilarityFunction.values()), 0, null, null);
    Map<String, Double> m = all.evaluate(MODEL);
    assertEquals(1.0, m.get("t_cosine_accuracy"));
    assertEquals(0.5, m.get("t_dot_accuracy"));
    assertEquals(1.0, m.get("t_euclidean_accuracy"));
    assertEquals(1.0, m.get("t_manhattan_accuracy"));
    assertEquals(1.0, m.get("t_max_accuracy"));
    assertEquals("t_max_accuracy", all.primaryMetric());

    // margin 0.15: cosine .8−.6 = .2 passes, .8−.707 = .093 fails; euclidean .894−.632 = .262 and 3.61−.632 pass;
    // manhattan 1.2−.8 = .4 and 5−.8 pass. Margin 0.3: euclidean's .262 fails.
    var margin = new TripletEvaluator("t", anchors, positives, negatives, List.of(SimilarityFunction.values()), 0.15, "", "");
    m = margin.evaluate(MODEL);
    assertEquals(0.5, m.get("t_cosine_accuracy"));
    assertEquals(1.0, m.get("t_euclidean_accuracy"));
    m = new TripletEvaluator("t", anchors, positives, negatives, List.of(SimilarityFunction.EUCLIDEAN), 0.3, "", "").evaluate(MODEL);
    assertEquals(0.5, m.get("t_euclidean_accuracy"));
    // equal similarities are not "greater": strict, as ST
    assertEquals(0.0, new TripletEvaluator("t", List.of("a"), List.of("p"), List.of("p")).evaluate(MODEL).get("t_cosine_accuracy"));
  }

  @Test
  void tripletAnchorsGetTheirPrompt() {
    // "q: a" = (0, 1) is closer to n than to p
    var ev = new TripletEvaluator("t", List.of("a"), List.of("p"), List.of("n"), List.of(SimilarityFunction.COSINE), 0, "q: ", null);
    assertEquals(0.0, ev.evaluate(MODEL).get("t_cosine_accuracy"));
    var e = assertThrows(IllegalArgumentException.class, () -> new TripletEvaluator("t", List.of("a"), List.of("p"), List.of()));
    assertTrue(e.getMessage().contains("1 anchors, 1 positives and 0 negatives"), e.getMessage());
  }

  private static Evaluator fixed(String name, double primary, double other) {
    return new Evaluator() {
      @Override
      public Map<String, Double> evaluate(TextEmbedder model) {
        return Map.of(name + "_main", primary, name + "_other", other);
      }

      @Override
      public String primaryMetric() {
        return name + "_main";
      }
    };
  }

  @Test
  void sequentialReportsAllMetricsAndAPrimaryScoreFromAFunction() {
    var seq = new SequentialEvaluator(List.of(fixed("x", 0.2, 9), fixed("y", 0.6, 8)));
    Map<String, Double> m = seq.evaluate(MODEL);
    assertEquals(Map.of("x_main", 0.2, "x_other", 9.0, "y_main", 0.6, "y_other", 8.0, "sequential_score", 0.6), m);
    assertEquals("sequential_score", seq.primaryMetric());
    var mean = new SequentialEvaluator(List.of(fixed("x", 0.2, 9), fixed("y", 0.6, 8)),
        s -> s.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    assertEquals(0.4, mean.evaluate(MODEL).get("sequential_score"), 1e-12);
    var e = assertThrows(IllegalStateException.class,
        () -> new SequentialEvaluator(List.of(fixed("x", 0.2, 9), fixed("x", 0.6, 8))).evaluate(MODEL));
    assertTrue(e.getMessage().contains("evaluator 1") && e.getMessage().contains("reports x_")
        && e.getMessage().contains("distinct names"), e.getMessage());

    var sts = new EmbeddingSimilarityEvaluator("sts", List.of("a", "a", "a"), List.of("p", "n", "far"), new double[] {3, 1, 2}, null);
    var triplets = new TripletEvaluator("t", List.of("a"), List.of("p"), List.of("n"));
    m = new SequentialEvaluator(List.of(triplets, sts)).evaluate(MODEL);
    assertEquals(1.0, m.get("sts_spearman_cosine"), 1e-12, "cosines .8, .6, .707 rank as the scores 3, 1, 2");
    assertEquals(m.get(sts.primaryMetric()), m.get("sequential_score"));
    assertEquals(1.0, m.get("t_cosine_accuracy"));
  }

  @Test
  void matryoshkaReportsEveryMetricAtEveryDimensionFromOneEmbeddingPass() {
    // 4-dim vectors: in full, p is closer to a; in the first 2 dims, n is.
    Map<String, float[]> vec = Map.of("a", new float[] {1, 0, 1, 0}, "p", new float[] {0, 1, 1, 0},
        "n", new float[] {1, 0.1f, -1, 0});
    List<String> calls = new ArrayList<>();
    TextEmbedder model = (texts, prompt) -> {
      calls.add(prompt + texts);
      return texts.stream().map(t -> vec.get(t).clone()).toArray(float[][]::new);
    };
    var ev = new MatryoshkaEvaluator(new TripletEvaluator("t", List.of("a"), List.of("p"), List.of("n")), 4, 2);
    // full: cos(a,p) = .5, cos(a,n) = 0/… = 0 → right; first 2 dims: cos(a,p) = 0, cos(a,n) = .995 → wrong
    assertEquals(Map.of("t_cosine_accuracy_dim_4", 1.0, "t_cosine_accuracy_dim_2", 0.0), ev.evaluate(model));
    assertEquals("t_cosine_accuracy_dim_4", ev.primaryMetric());
    assertEquals(3, calls.size(), "anchors, positives and negatives embedded once each: " + calls);
    var e = assertThrows(IllegalArgumentException.class,
        () -> new MatryoshkaEvaluator(new TripletEvaluator("t", List.of("a"), List.of("p"), List.of("n")), 8).evaluate(model));
    assertTrue(e.getMessage().contains("4 dimensions, fewer than the Matryoshka dimension 8"), e.getMessage());
  }
}
