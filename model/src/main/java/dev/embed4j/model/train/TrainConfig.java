package dev.embed4j.model.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.embed4j.engine.Device;
import dev.embed4j.losses.Embedder;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.BatchSamplers;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.eval.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * A training run described in a JSON or YAML file, for {@code embed4j train CONFIG}:
 * <pre>
 * model: default                 # or a model folder
 * output: runs/my-model
 * datasets:
 *   - name: retrieval
 *     path: data/queries.jsonl     # JSONL, CSV or TSV, relative to the config file
 *     columns: [anchor, positive]  # optional: which text columns, in order
 *     loss: MultipleNegativesRankingLoss   # or {type: ..., scale: 20, similarity: cosine, mini_batch_size: 32,
 *                                          #   hardness_mode: in_batch_negatives, hardness_strength: 9}; see LossConfig
 *     prompts: {anchor: "query: "} # optional, per column (or one string for every column)
 *     weight: 1.0                  # optional: this task's gradient on the shared encoder is multiplied by it
 * sampler: proportional            # or round_robin: how the datasets' batches take turns
 * batch_sampler: no_duplicates     # or batch, no_duplicates_hashed, group_by_label: how one dataset is cut into batches
 * drop_last: true                  # drop each dataset's last partial batch of an epoch
 * balance_tasks: false             # scale each task's gradient by 1 / its running gradient norm (TaskBalancer)
 * balance_decay: 0.9               # β of that running norm
 * batch_size: 32
 * epochs: 1                        # or max_steps: N
 * learning_rate: 5.0e-5
 * warmup_ratio: 0.1
 * weight_decay: 0.01
 * max_grad_norm: 1.0
 * seed: 42
 * checkpoint_every: 500
 * max_seq_length: 128
 * device: cpu                    # or cuda, cuda:N (needs the embed4j-native module on the class path)
 * precision: fp32                # matrix products on a CUDA device: fp32, tf32 or bf16
 * on_non_finite: stop            # a NaN or infinite loss or gradient norm: stop (default) or skip the step
 * evaluators: [...]              # retrieval, similarity, triplet; see EvaluatorConfig
 * eval_main_score: last          # several evaluators: the primary score is the last's, the first's or their mean
 * eval_every: 0                  # evaluate every N steps; 0: at the end only
 * eval_at_start: false           # also before the first step
 * </pre>
 * A wrong or unknown key gets an exception naming the file, the key and what was expected. Losses that
 * need a model (a GIST guide, a token budget counted by the trained model's tokenizer) are connected to it
 * by {@link #bind}, which the caller runs once the model is loaded and before training.
 */
public final class TrainConfig {
  private static final Set<String> TOP = Set.of("model", "output", "datasets", "sampler", "batch_size", "epochs", "max_steps",
      "learning_rate", "warmup_ratio", "weight_decay", "max_grad_norm", "seed", "checkpoint_every", "max_seq_length",
      "no_duplicates", "device", "precision", "on_non_finite", "batch_sampler", "drop_last", "balance_tasks", "balance_decay",
      "evaluators", "eval_main_score", "eval_every", "eval_at_start");
  private static final Set<String> DATASET = Set.of("name", "path", "columns", "loss", "prompts", "weight");

  public String model = "default";
  public Path output = Path.of("runs", "train");
  public final List<Trainer.Task> tasks = new ArrayList<>();
  public final Prompts prompts = Prompts.none();
  public MultiDatasetBatchSampler.Mode sampler = MultiDatasetBatchSampler.Mode.PROPORTIONAL;
  public int batchSize = 32, epochs = 1, maxSteps = -1, checkpointEvery = 0, maxSeqLength = 128;
  public float learningRate = 5e-5f, warmupRatio = 0.1f, weightDecay = 0.01f, maxGradNorm = 1f;
  public long seed = 42;
  public BatchSamplers batchSampler = BatchSamplers.NO_DUPLICATES;
  public boolean dropLast = true, balanceTasks, evalAtStart;
  public float balanceDecay = 0.9f;
  /** The evaluation run during training (several are one SequentialEvaluator), or null. */
  public Evaluator evaluator;
  /** Evaluate every N steps; 0: at the end only. */
  public int evalEvery;
  /** The models the losses need: the trained one (token budgets) and GIST guides; see {@link #bind}. */
  final Models models = new Models();
  public Trainer.OnNonFinite onNonFinite = Trainer.OnNonFinite.STOP;
  public Device device = Device.CPU;
  /** fp32, tf32 or bf16 for a CUDA device's matrix products; null leaves the backend's default (fp32). */
  public String precision;

  /**
   * What losses built from a config need of models that are loaded after it is read: the trained model's
   * token count (for {@code mini_batch_num_tokens}) and the GIST guides, loaded by {@link TrainConfig#bind}.
   */
  static final class Models {
    private EncoderTrainable model;
    private final Map<String, String> guideKeys = new LinkedHashMap<>(); // guide as written → the key that names it
    private final Map<String, Embedder<PromptedText>> guides = new HashMap<>();

    ToIntFunction<PromptedText> tokenCount() {
      if (model == null) throw new IllegalStateException("TrainConfig: mini_batch_num_tokens counts the trained model's tokens; call bind(model) first");
      return model.tokenCount();
    }

    Embedder<PromptedText> guide(String guide) {
      Embedder<PromptedText> g = guides.get(guide);
      if (g == null) throw new IllegalStateException("TrainConfig: the GIST guide '" + guide + "' is not loaded; call bind(model) first");
      return g;
    }

    void checkGuide(String guide, String at) {
      // a folder, default, or a Hugging Face id (owner/name) that bind finds in the local cache, as for 'model'
      boolean id = guide.matches("[\\w.-]+/[\\w.-]+") && !Files.exists(Path.of(guide));
      if (!guide.equals("default") && !id && !Files.isDirectory(Path.of(guide))) {
        throw new ConfigException(at + ": the guide model folder '" + guide + "' does not exist (give a sentence-transformers"
            + " model folder, a Hugging Face id in the local cache, or default for all-MiniLM-L6-v2)");
      }
      guideKeys.putIfAbsent(guide, at);
    }
  }

  /**
   * Connects the losses to the models they need: the trained model's tokenizer counts the tokens of
   * {@code mini_batch_num_tokens}, and each GIST {@code guide} is loaded (once per folder) with the run's
   * {@code max_seq_length}, on the trained model's device, without dropout.
   */
  public void bind(EncoderTrainable model) throws IOException {
    models.model = model;
    for (var e : models.guideKeys.entrySet()) {
      if (models.guides.containsKey(e.getKey())) continue;
      SentenceEncoder guide;
      try {
        guide = e.getKey().equals("default") ? SentenceEncoder.defaultModel() : SentenceEncoder.load(e.getKey());
      } catch (IOException | RuntimeException x) {
        throw new ConfigException(e.getValue() + ": loading the guide model '" + e.getKey() + "' failed: " + x.getMessage());
      }
      EncoderTrainable trainable = new EncoderTrainable(guide.withMaxSeqLength(maxSeqLength).withDevice(model.encoder().device()));
      trainable.setTraining(false);
      models.guides.put(e.getKey(), trainable.embedder());
    }
  }

  /** Thrown for a config that does not describe a run; the message names the file and the key. */
  public static final class ConfigException extends IllegalArgumentException {
    ConfigException(String message) {
      super(message);
    }
  }

  public static TrainConfig read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new ConfigException("config " + file + " does not exist");
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("config " + file + " is not valid " + (mapper.getFactory() instanceof YAMLFactory ? "YAML" : "JSON")
          + ": " + e.getMessage());
    }
    return parse(root, file);
  }

  static TrainConfig parse(JsonNode root, Path file) {
    String where = "config " + file;
    if (root == null || !root.isObject()) throw new ConfigException(where + ": expected a mapping at the top level");
    checkKeys(root, TOP, where);
    TrainConfig c = new TrainConfig();
    Path base = file.toAbsolutePath().getParent();
    if (root.has("model")) c.model = text(root, "model", where);
    if (root.has("output")) c.output = Path.of(text(root, "output", where));
    if (root.has("sampler")) {
      String s = text(root, "sampler", where);
      c.sampler = switch (s.toLowerCase(Locale.ROOT)) {
        case "proportional" -> MultiDatasetBatchSampler.Mode.PROPORTIONAL;
        case "round_robin", "round-robin", "roundrobin" -> MultiDatasetBatchSampler.Mode.ROUND_ROBIN;
        default -> throw new ConfigException(where + ": 'sampler' must be proportional or round_robin, got '" + s + "'");
      };
    }
    c.batchSize = integer(root, "batch_size", c.batchSize, 1, where);
    c.epochs = integer(root, "epochs", c.epochs, 1, where);
    c.maxSteps = integer(root, "max_steps", c.maxSteps, 1, where);
    c.checkpointEvery = integer(root, "checkpoint_every", c.checkpointEvery, 0, where);
    c.maxSeqLength = integer(root, "max_seq_length", c.maxSeqLength, 2, where);
    c.learningRate = number(root, "learning_rate", c.learningRate, where);
    c.warmupRatio = number(root, "warmup_ratio", c.warmupRatio, where);
    c.weightDecay = number(root, "weight_decay", c.weightDecay, where);
    c.maxGradNorm = number(root, "max_grad_norm", c.maxGradNorm, where);
    if (root.has("seed")) c.seed = integer(root, "seed", 0, Integer.MIN_VALUE, where);
    if (root.has("no_duplicates")) {
      if (root.has("batch_sampler")) throw new ConfigException(where + ": give 'batch_sampler' or the older 'no_duplicates', not both");
      c.batchSampler = bool(root, "no_duplicates", true, where) ? BatchSamplers.NO_DUPLICATES : BatchSamplers.BATCH_SAMPLER;
    }
    if (root.has("batch_sampler")) {
      String b = text(root, "batch_sampler", where);
      c.batchSampler = switch (b.trim().toLowerCase(Locale.ROOT)) {
        case "batch", "batch_sampler" -> BatchSamplers.BATCH_SAMPLER;
        case "no_duplicates" -> BatchSamplers.NO_DUPLICATES;
        case "no_duplicates_hashed" -> BatchSamplers.NO_DUPLICATES_HASHED;
        case "group_by_label" -> BatchSamplers.GROUP_BY_LABEL;
        default -> throw new ConfigException(where + ": 'batch_sampler' must be batch, no_duplicates, no_duplicates_hashed or"
            + " group_by_label, got '" + b + "'");
      };
    }
    c.dropLast = bool(root, "drop_last", c.dropLast, where);
    c.balanceTasks = bool(root, "balance_tasks", c.balanceTasks, where);
    c.balanceDecay = number(root, "balance_decay", c.balanceDecay, where);
    if (!(c.balanceDecay >= 0 && c.balanceDecay < 1)) {
      throw new ConfigException(where + ": 'balance_decay' must be in [0, 1), got " + root.get("balance_decay"));
    }
    if (c.batchSampler == BatchSamplers.GROUP_BY_LABEL && c.batchSize % 2 != 0) {
      throw new ConfigException(where + ": 'batch_sampler' group_by_label needs an even 'batch_size' (labels come in pairs), got "
          + c.batchSize);
    }
    c.evalEvery = integer(root, "eval_every", 0, 0, where);
    c.evalAtStart = bool(root, "eval_at_start", false, where);
    if (root.has("eval_main_score") && !root.has("evaluators")) {
      throw new ConfigException(where + ": 'eval_main_score' is set but there are no 'evaluators'");
    }
    if (root.has("evaluators")) {
      c.evaluator = EvaluatorConfig.of(root.get("evaluators"), root.has("eval_main_score") ? text(root, "eval_main_score", where)
          : null, base, where);
    }
    if (root.has("device")) {
      String d = text(root, "device", where);
      try {
        c.device = Device.parse(d);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": 'device' must be cpu, cuda or cuda:N, got '" + d + "'");
      }
    }
    if (root.has("on_non_finite")) {
      String v = text(root, "on_non_finite", where);
      c.onNonFinite = switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "stop" -> Trainer.OnNonFinite.STOP;
        case "skip" -> Trainer.OnNonFinite.SKIP;
        default -> throw new ConfigException(where + ": 'on_non_finite' must be stop or skip, got '" + v + "'");
      };
    }
    if (root.has("precision")) {
      String p = text(root, "precision", where).trim().toLowerCase(Locale.ROOT);
      if (!p.equals("fp32") && !p.equals("tf32") && !p.equals("bf16")) {
        throw new ConfigException(where + ": 'precision' must be fp32, tf32 or bf16, got '" + root.get("precision").textValue() + "'");
      }
      c.precision = p;
    }
    JsonNode ds = root.get("datasets");
    if (ds == null || !ds.isArray() || ds.isEmpty()) {
      throw new ConfigException(where + ": 'datasets' must be a non-empty list of {name, path, loss}");
    }
    for (int i = 0; i < ds.size(); i++) {
      JsonNode d = ds.get(i);
      String at = where + ", datasets[" + i + "]";
      if (!d.isObject()) throw new ConfigException(at + ": expected a mapping with name, path and loss");
      checkKeys(d, DATASET, at);
      String path = text(d, "path", at);
      String dsName = d.has("name") ? text(d, "name", at) : null;
      Dataset data = DatasetReader.read(base.resolve(path), dsName);
      if (d.has("columns")) {
        JsonNode cols = d.get("columns");
        if (!cols.isArray()) throw new ConfigException(at + ": 'columns' must be a list of column names");
        List<String> keep = new ArrayList<>();
        for (JsonNode col : cols) keep.add(col.asText());
        try {
          data = data.columns(keep);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(at + ": " + e.getMessage());
        }
      }
      String taskName = data.name();
      if (!d.has("loss")) throw new ConfigException(at + ": 'loss' is missing (for example MultipleNegativesRankingLoss)");
      if (c.batchSampler == BatchSamplers.GROUP_BY_LABEL && !data.hasLabels()) {
        throw new ConfigException(at + ": 'batch_sampler' group_by_label needs a label column; dataset '" + taskName + "' has only "
            + data.textColumns());
      }
      EncoderLoss<PromptedText> loss = LossConfig.of(d.get("loss"), at + ".loss", data, c.models);
      float weight = number(d, "weight", 1f, at);
      if (weight < 0) throw new ConfigException(at + ": 'weight' must be ≥ 0, got " + d.get("weight"));
      if (d.has("prompts")) {
        JsonNode p = d.get("prompts");
        if (p.isTextual()) c.prompts.dataset(taskName, p.textValue());
        else if (p.isObject()) {
          for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
            String col = it.next();
            if (!data.textColumns().contains(col)) {
              throw new ConfigException(at + ".prompts: no column '" + col + "'; the dataset has " + data.textColumns());
            }
            c.prompts.datasetColumn(taskName, col, p.get(col).asText());
          }
        } else {
          throw new ConfigException(at + ": 'prompts' must be a string or a mapping from column to prompt");
        }
      }
      c.tasks.add(new Trainer.Task(taskName, data, loss, weight));
    }
    return c;
  }

  static void checkKeys(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) throw new ConfigException(where + ": unknown key '" + k + "'; known keys: " + new java.util.TreeSet<>(known));
    }
  }

  static String text(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual()) throw new ConfigException(where + ": '" + key + "' must be a string" + (v == null ? " (missing)" : ", got " + v));
    return v.textValue();
  }

  static int integer(JsonNode node, String key, int dflt, int min, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new ConfigException(where + ": '" + key + "' must be an integer, got " + v);
    if (v.intValue() < min) throw new ConfigException(where + ": '" + key + "' must be at least " + min + ", got " + v);
    return v.intValue();
  }

  static float number(JsonNode node, String key, float dflt, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    if (!v.isNumber()) throw new ConfigException(where + ": '" + key + "' must be a number, got " + v);
    if (!Float.isFinite(v.floatValue())) {
      throw new ConfigException(where + ": '" + key + "' is " + v + ", beyond float range (|x| < 3.4e38)");
    }
    return v.floatValue();
  }

  static boolean bool(JsonNode node, String key, boolean dflt, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    if (!v.isBoolean()) throw new ConfigException(where + ": '" + key + "' must be true or false, got " + v);
    return v.booleanValue();
  }

  /** An enum constant by its lower-case name (e.g. {@code relative} for RELATIVE). */
  static <E extends Enum<E>> E choice(JsonNode node, String key, E dflt, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    List<String> names = new ArrayList<>();
    for (E e : dflt.getDeclaringClass().getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT));
      if (v.isTextual() && e.name().equalsIgnoreCase(v.textValue().trim())) return e;
    }
    throw new ConfigException(where + ": '" + key + "' must be one of " + String.join(", ", names) + ", got " + v);
  }

  /** A list of integers, each at least {@code min}. */
  static int[] integers(JsonNode node, String key, int min, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isArray()) throw new ConfigException(where + ": '" + key + "' must be a list of integers, got " + v);
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isIntegralNumber() || !x.canConvertToInt()) throw new ConfigException(where + ": '" + key + "' must be a list of integers, got " + v);
      if (x.intValue() < min) throw new ConfigException(where + ": '" + key + "' values must be at least " + min + ", got " + v);
      out[i] = x.intValue();
    }
    return out;
  }

  /** A list of finite numbers. */
  static float[] numbers(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isArray()) throw new ConfigException(where + ": '" + key + "' must be a list of numbers, got " + v);
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isNumber() || !Float.isFinite(x.floatValue())) throw new ConfigException(where + ": '" + key + "' must be a list of finite numbers, got " + v);
      out[i] = x.floatValue();
    }
    return out;
  }
}
