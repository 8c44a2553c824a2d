package dev.embed4j.model.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.embed4j.engine.Device;
import dev.embed4j.losses.CachedMultipleNegativesRankingLoss;
import dev.embed4j.losses.CachedMultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.CoSENTLoss;
import dev.embed4j.losses.CosineSimilarityLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.data.Prompts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A training run described in a JSON or YAML file, for {@code embed4j train CONFIG}:
 * <pre>
 * model: default                 # or a model folder
 * output: runs/my-model
 * datasets:
 *   - name: retrieval
 *     path: data/queries.jsonl     # JSONL, CSV or TSV, relative to the config file
 *     columns: [anchor, positive]  # optional: which text columns, in order
 *     loss: MultipleNegativesRankingLoss   # or {type: ..., scale: 20, similarity: cosine, mini_batch_size: 32}
 *     prompts: {anchor: "query: "} # optional, per column (or one string for every column)
 * sampler: proportional            # or round_robin
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
 * </pre>
 * A wrong or unknown key gets an exception naming the file, the key and what was expected.
 */
public final class TrainConfig {
  private static final Set<String> TOP = Set.of("model", "output", "datasets", "sampler", "batch_size", "epochs", "max_steps",
      "learning_rate", "warmup_ratio", "weight_decay", "max_grad_norm", "seed", "checkpoint_every", "max_seq_length",
      "no_duplicates", "device", "precision", "on_non_finite");
  private static final Set<String> DATASET = Set.of("name", "path", "columns", "loss", "prompts");
  private static final Set<String> LOSS = Set.of("type", "scale", "similarity", "mini_batch_size");

  public String model = "default";
  public Path output = Path.of("runs", "train");
  public final List<Trainer.Task> tasks = new ArrayList<>();
  public final Prompts prompts = Prompts.none();
  public MultiDatasetBatchSampler.Mode sampler = MultiDatasetBatchSampler.Mode.PROPORTIONAL;
  public int batchSize = 32, epochs = 1, maxSteps = -1, checkpointEvery = 0, maxSeqLength = 128;
  public float learningRate = 5e-5f, warmupRatio = 0.1f, weightDecay = 0.01f, maxGradNorm = 1f;
  public long seed = 42;
  public boolean noDuplicates = true;
  public Trainer.OnNonFinite onNonFinite = Trainer.OnNonFinite.STOP;
  public Device device = Device.CPU;
  /** fp32, tf32 or bf16 for a CUDA device's matrix products; null leaves the backend's default (fp32). */
  public String precision;

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
      if (!root.get("no_duplicates").isBoolean()) throw new ConfigException(where + ": 'no_duplicates' must be true or false");
      c.noDuplicates = root.get("no_duplicates").booleanValue();
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
      EncoderLoss<PromptedText> loss = loss(d.get("loss"), at + ".loss");
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
      c.tasks.add(new Trainer.Task(taskName, data, loss));
    }
    return c;
  }

  static EncoderLoss<PromptedText> loss(JsonNode node, String at) {
    String type;
    float scale = 20f;
    SimilarityFunction sim = SimilarityFunction.COSINE;
    int miniBatch = 32;
    if (node.isTextual()) {
      type = node.textValue();
    } else if (node.isObject()) {
      checkKeys(node, LOSS, at);
      type = text(node, "type", at);
      scale = number(node, "scale", scale, at);
      miniBatch = integer(node, "mini_batch_size", miniBatch, 1, at);
      if (node.has("similarity")) {
        String s = text(node, "similarity", at);
        sim = switch (s.toLowerCase(Locale.ROOT)) {
          case "cosine", "cos" -> SimilarityFunction.COSINE;
          case "dot" -> SimilarityFunction.DOT;
          default -> throw new ConfigException(at + ": 'similarity' must be cosine or dot, got '" + s + "'");
        };
      }
    } else {
      throw new ConfigException(at + ": expected a loss name or a mapping with 'type'");
    }
    return switch (type) {
      case "MultipleNegativesRankingLoss" -> EncoderLoss.of(new MultipleNegativesRankingLoss(scale, sim));
      case "MultipleNegativesSymmetricRankingLoss" -> EncoderLoss.of(new MultipleNegativesSymmetricRankingLoss(scale, sim));
      case "CachedMultipleNegativesRankingLoss" ->
          new CachedMultipleNegativesRankingLoss<>(new MultipleNegativesRankingLoss(scale, sim), miniBatch);
      case "CachedMultipleNegativesSymmetricRankingLoss" ->
          new CachedMultipleNegativesSymmetricRankingLoss<>(new MultipleNegativesSymmetricRankingLoss(scale, sim), miniBatch);
      case "CoSENTLoss" -> EncoderLoss.of(new CoSENTLoss(scale, sim));
      case "CosineSimilarityLoss" -> EncoderLoss.of(new CosineSimilarityLoss());
      default -> throw new ConfigException(at + ": unknown loss '" + type + "'; expected one of MultipleNegativesRankingLoss,"
          + " MultipleNegativesSymmetricRankingLoss, CachedMultipleNegativesRankingLoss,"
          + " CachedMultipleNegativesSymmetricRankingLoss, CoSENTLoss, CosineSimilarityLoss");
    };
  }

  private static void checkKeys(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) throw new ConfigException(where + ": unknown key '" + k + "'; known keys: " + new java.util.TreeSet<>(known));
    }
  }

  private static String text(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual()) throw new ConfigException(where + ": '" + key + "' must be a string" + (v == null ? " (missing)" : ", got " + v));
    return v.textValue();
  }

  private static int integer(JsonNode node, String key, int dflt, int min, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new ConfigException(where + ": '" + key + "' must be an integer, got " + v);
    if (v.intValue() < min) throw new ConfigException(where + ": '" + key + "' must be at least " + min + ", got " + v);
    return v.intValue();
  }

  private static float number(JsonNode node, String key, float dflt, String where) {
    JsonNode v = node.get(key);
    if (v == null) return dflt;
    if (!v.isNumber()) throw new ConfigException(where + ": '" + key + "' must be a number, got " + v);
    if (!Float.isFinite(v.floatValue())) {
      throw new ConfigException(where + ": '" + key + "' is " + v + ", beyond float range (|x| < 3.4e38)");
    }
    return v.floatValue();
  }
}
