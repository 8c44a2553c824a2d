package dev.embed4j.model.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Several evaluators run one after the other, as sentence-transformers' SequentialEvaluator: the result
 * holds every evaluator's metrics, plus {@code sequential_score}, the primary metric, which is
 * {@code mainScoreFunction} applied to the evaluators' primary metrics in order; by default (as ST) the
 * last one's. Metric names must not clash (give the evaluators distinct names).
 */
public final class SequentialEvaluator implements Evaluator {
  public static final String SEQUENTIAL_SCORE = "sequential_score";

  private final List<Evaluator> evaluators;
  private final ToDoubleFunction<List<Double>> mainScoreFunction;

  public SequentialEvaluator(List<? extends Evaluator> evaluators) {
    this(evaluators, scores -> scores.get(scores.size() - 1));
  }

  /** @param mainScoreFunction the evaluators' primary scores, in order → the primary score (e.g. their mean) */
  public SequentialEvaluator(List<? extends Evaluator> evaluators, ToDoubleFunction<List<Double>> mainScoreFunction) {
    if (evaluators == null || evaluators.isEmpty()) throw new IllegalArgumentException("SequentialEvaluator: no evaluators");
    if (mainScoreFunction == null) throw new IllegalArgumentException("SequentialEvaluator: mainScoreFunction is null");
    this.evaluators = List.copyOf(evaluators);
    this.mainScoreFunction = mainScoreFunction;
  }

  @Override
  public String primaryMetric() {
    return SEQUENTIAL_SCORE;
  }

  @Override
  public Map<String, Double> evaluate(TextEmbedder model) {
    Map<String, Double> out = new LinkedHashMap<>();
    List<Double> primaries = new ArrayList<>();
    for (int i = 0; i < evaluators.size(); i++) {
      Evaluator e = evaluators.get(i);
      String which = e.getClass().getSimpleName().isEmpty() ? e.getClass().getName() : e.getClass().getSimpleName();
      Map<String, Double> metrics = e.evaluate(model);
      Double primary = metrics.get(e.primaryMetric());
      if (primary == null) {
        throw new IllegalStateException("SequentialEvaluator: evaluator " + i + " (" + which
            + ") names primary metric " + e.primaryMetric() + " but returned only " + metrics.keySet());
      }
      primaries.add(primary);
      for (var m : metrics.entrySet()) {
        if (out.containsKey(m.getKey()) || m.getKey().equals(SEQUENTIAL_SCORE)) {
          throw new IllegalStateException("SequentialEvaluator: evaluator " + i + " (" + which
              + ") reports " + m.getKey() + ", which an earlier one reported too; give the evaluators distinct names");
        }
        out.put(m.getKey(), m.getValue());
      }
    }
    out.put(SEQUENTIAL_SCORE, mainScoreFunction.applyAsDouble(List.copyOf(primaries)));
    return out;
  }
}
