package dev.embed4j.model.eval;

import dev.embed4j.losses.SimilarityFunction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Triplet accuracy, as sentence-transformers' TripletEvaluator (ST 3 and later): the fraction of
 * (anchor, positive, negative) triplets with sim(a, p) − sim(a, n) &gt; margin. Each similarity function
 * gives one metric {@code <name>_<fn>_accuracy}; Euclidean and Manhattan similarities are the negated
 * distances (as ST's), so for them the test reads d(a, n) − d(a, p) &gt; margin. Defaults as ST: cosine
 * only, margin 0 (strictly closer). With one function its accuracy is the primary metric; with several
 * {@code <name>_max_accuracy}, their maximum, is added and primary. Anchors get {@code anchorPrompt},
 * positives and negatives {@code documentPrompt} ("" or null for none). The metric names use the
 * {@link SimilarityFunction}'s sentence-transformers name.
 */
public final class TripletEvaluator implements Evaluator {
  private final String name;
  private final List<String> anchors, positives, negatives;
  private final List<SimilarityFunction> similarities;
  private final double margin;
  private final String anchorPrompt, documentPrompt;

  /** Cosine, margin 0, no prompts. */
  public TripletEvaluator(String name, List<String> anchors, List<String> positives, List<String> negatives) {
    this(name, anchors, positives, negatives, List.of(SimilarityFunction.COSINE), 0, null, null);
  }

  public TripletEvaluator(String name, List<String> anchors, List<String> positives, List<String> negatives,
      List<SimilarityFunction> similarities, double margin, String anchorPrompt, String documentPrompt) {
    if (anchors.size() != positives.size() || anchors.size() != negatives.size()) {
      throw new IllegalArgumentException(name + ": " + anchors.size() + " anchors, " + positives.size() + " positives and "
          + negatives.size() + " negatives; a triplet needs one of each");
    }
    if (anchors.isEmpty()) throw new IllegalArgumentException(name + ": no triplets to evaluate");
    if (similarities == null || similarities.isEmpty()) {
      throw new IllegalArgumentException(name + ": at least one similarity function is needed, e.g. COSINE");
    }
    if (!Double.isFinite(margin)) throw new IllegalArgumentException(name + ": margin must be a finite number, got " + margin);
    this.name = name;
    this.anchors = List.copyOf(anchors);
    this.positives = List.copyOf(positives);
    this.negatives = List.copyOf(negatives);
    this.similarities = List.copyOf(new java.util.LinkedHashSet<>(similarities));
    this.margin = margin;
    this.anchorPrompt = anchorPrompt == null ? "" : anchorPrompt;
    this.documentPrompt = documentPrompt == null ? "" : documentPrompt;
  }

  @Override
  public String primaryMetric() {
    return similarities.size() == 1 ? name + "_" + similarities.get(0).stName + "_accuracy" : name + "_max_accuracy";
  }

  @Override
  public Map<String, Double> evaluate(TextEmbedder model) {
    float[][] a = model.embed(anchors, anchorPrompt);
    float[][] p = model.embed(positives, documentPrompt), n = model.embed(negatives, documentPrompt);
    return accuracies(a, p, n);
  }

  /** The metrics from given embeddings; package-private for the tests. */
  Map<String, Double> accuracies(float[][] a, float[][] p, float[][] n) {
    Map<String, Double> out = new LinkedHashMap<>();
    List<Double> all = new ArrayList<>();
    for (SimilarityFunction f : similarities) {
      int correct = 0;
      for (int i = 0; i < a.length; i++) if (f.applyAsDouble(a[i], p[i]) - f.applyAsDouble(a[i], n[i]) > margin) correct++;
      double accuracy = (double) correct / a.length;
      out.put(name + "_" + f.stName + "_accuracy", accuracy);
      all.add(accuracy);
    }
    if (similarities.size() > 1) out.put(name + "_max_accuracy", all.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    return out;
  }
}
