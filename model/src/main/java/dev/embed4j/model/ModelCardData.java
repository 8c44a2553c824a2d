package dev.embed4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model card (the README.md that {@link SentenceEncoder#save} writes) tells beyond the model
 * itself, as sentence-transformers' {@code SentenceTransformerModelCardData}: the model it started from,
 * and, once the trainer has run, its datasets, losses, hyper-parameters, log and evaluation results.
 * Loading sets the base model; {@link dev.embed4j.model.train.Trainer#fit} sets the rest. An encoder's
 * copies ({@code withBatchSize}, {@code withDevice}, ...) share one, as they share the weights.
 */
public final class ModelCardData {
  /** A training dataset: its name, rows, text columns and the prompt of each column that has one. */
  public record DatasetInfo(String name, int size, List<String> columns, Map<String, String> prompts) {
    public DatasetInfo {
      columns = List.copyOf(columns);
      prompts = Map.copyOf(prompts);
    }
  }

  /** A loss by its class name and its parameters (name to value), in the order the loss declares them. */
  public record LossInfo(String name, Map<String, String> parameters) {
    public LossInfo {
      parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  private String baseModel;
  private final List<DatasetInfo> datasets = new ArrayList<>();
  private final Map<String, LossInfo> losses = new LinkedHashMap<>();
  private final Map<String, Object> hyperParameters = new LinkedHashMap<>();
  private final Map<String, Object> defaultHyperParameters = new LinkedHashMap<>();
  private final List<Map<String, Object>> trainingLog = new ArrayList<>();
  private final Map<String, Object> evaluation = new LinkedHashMap<>();

  /** The model this one was loaded from: a Hugging Face id or a folder; null when unknown. */
  public synchronized String baseModel() {
    return baseModel;
  }

  public synchronized ModelCardData baseModel(String model) {
    this.baseModel = model;
    return this;
  }

  /**
   * Records a training run's setting, replacing a previous run's: its datasets, each dataset's loss
   * (by dataset name), and its hyper-parameters beside their defaults.
   */
  public synchronized void training(List<DatasetInfo> datasets, Map<String, LossInfo> losses, Map<String, Object> hyperParameters,
      Map<String, Object> defaults) {
    this.datasets.clear();
    this.datasets.addAll(datasets);
    this.losses.clear();
    this.losses.putAll(losses);
    this.hyperParameters.clear();
    this.hyperParameters.putAll(hyperParameters);
    this.defaultHyperParameters.clear();
    this.defaultHyperParameters.putAll(defaults);
    this.trainingLog.clear();
    this.evaluation.clear();
  }

  /** Records the log of the run (one map per logged step) and its last evaluation's metrics. */
  public synchronized void results(List<Map<String, Object>> log, Map<String, Object> evaluation) {
    this.trainingLog.clear();
    for (Map<String, Object> m : log) this.trainingLog.add(new LinkedHashMap<>(m));
    this.evaluation.clear();
    this.evaluation.putAll(evaluation);
  }

  public synchronized List<DatasetInfo> datasets() {
    return List.copyOf(datasets);
  }

  public synchronized Map<String, LossInfo> losses() {
    return new LinkedHashMap<>(losses);
  }

  public synchronized Map<String, Object> hyperParameters() {
    return new LinkedHashMap<>(hyperParameters);
  }

  public synchronized Map<String, Object> defaultHyperParameters() {
    return new LinkedHashMap<>(defaultHyperParameters);
  }

  public synchronized List<Map<String, Object>> trainingLog() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> m : trainingLog) out.add(new LinkedHashMap<>(m));
    return out;
  }

  public synchronized Map<String, Object> evaluation() {
    return new LinkedHashMap<>(evaluation);
  }
}
