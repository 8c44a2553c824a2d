package dev.embed4j.model.eval;

import java.util.Map;

/**
 * An evaluation of a model, as sentence-transformers' SentenceEvaluator: metrics by name (each prefixed
 * with the evaluator's name), one of which is the primary metric a training run selects checkpoints by.
 * {@code Trainer.builder().evaluation(name, evaluator::evaluate)} runs one during training.
 */
public interface Evaluator {
  Map<String, Double> evaluate(TextEmbedder model);

  /** The key, in {@link #evaluate}'s map, of the metric that sums this evaluation up. */
  String primaryMetric();
}
