package dev.embed4j.model.train;

import static dev.embed4j.model.train.TrainConfig.bool;
import static dev.embed4j.model.train.TrainConfig.checkKeys;
import static dev.embed4j.model.train.TrainConfig.choice;
import static dev.embed4j.model.train.TrainConfig.integer;
import static dev.embed4j.model.train.TrainConfig.integers;
import static dev.embed4j.model.train.TrainConfig.number;
import static dev.embed4j.model.train.TrainConfig.numbers;
import static dev.embed4j.model.train.TrainConfig.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embed4j.losses.AnglELoss;
import dev.embed4j.losses.CachedGISTEmbedLoss;
import dev.embed4j.losses.CachedMatryoshkaLoss;
import dev.embed4j.losses.CachedMultipleNegativesRankingLoss;
import dev.embed4j.losses.CachedMultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.CoSENTLoss;
import dev.embed4j.losses.CosineSimilarityLoss;
import dev.embed4j.losses.Direction;
import dev.embed4j.losses.Embedder;
import dev.embed4j.losses.EmbeddingLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.GISTEmbedLoss;
import dev.embed4j.losses.HardnessMode;
import dev.embed4j.losses.MarginMSELoss;
import dev.embed4j.losses.MarginStrategy;
import dev.embed4j.losses.MatryoshkaLoss;
import dev.embed4j.losses.MiniBatches;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.PartitionMode;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.losses.TripletLoss;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.train.TrainConfig.ConfigException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The {@code loss:} of one dataset in a {@link TrainConfig}: a loss name, or a mapping with {@code type}
 * and that loss's own keys (a key another loss takes is an error naming it). Defaults are the losses'
 * own, which are sentence-transformers'.
 * <pre>
 * loss: MultipleNegativesRankingLoss    scale, similarity, directions, partition_mode, hardness_mode, hardness_strength
 *       MultipleNegativesSymmetricRankingLoss                   scale, similarity
 *       CachedMultipleNegativesRankingLoss  the same as MultipleNegativesRankingLoss and mini_batch_size, mini_batch_num_tokens
 *       CachedMultipleNegativesSymmetricRankingLoss             scale, similarity, mini_batch_size, mini_batch_num_tokens
 *       CoSENTLoss                       scale, similarity        (sentence1, sentence2, score)
 *       AnglELoss                        scale                    (sentence1, sentence2, score)
 *       CosineSimilarityLoss             -                        (sentence1, sentence2, score in [-1, 1])
 *       TripletLoss                      distance_metric (euclidean, cosine, manhattan), triplet_margin
 *       MarginMSELoss                    similarity               (query, positive, negative, score = teacher margin)
 *       GISTEmbedLoss                    guide (a model folder, Hugging Face id or default; required), temperature,
 *                                        margin_strategy (absolute, relative), margin, contrast_anchors, contrast_positives
 *       CachedGISTEmbedLoss              the same and mini_batch_size, mini_batch_num_tokens
 * and for every loss but the plain GISTEmbedLoss: matryoshka_dims [d1, d2, …], matryoshka_weights
 * [w1, w2, …] (default all 1), n_dims_per_step (default -1: all); a cached loss is then wrapped in
 * CachedMatryoshkaLoss, any other in MatryoshkaLoss.
 * </pre>
 * {@code directions} is a list of query_to_doc (required: it holds the positive), query_to_query, doc_to_query
 * and doc_to_doc (default [query_to_doc]); {@code partition_mode} joint (default) or per_direction, which takes
 * query_to_doc and doc_to_query only. {@code hardness_mode} (in_batch_negatives, hard_negatives, all_negatives;
 * default none) with {@code hardness_strength} α &gt; 0 adds α·sim, without its gradient, to those negatives'
 * query→doc logits (LLaVE uses in_batch_negatives with 9, EmbeddingGemma hard_negatives with 5); each of the
 * two without the other is an error here, since it would change nothing (sentence-transformers accepts a mode
 * with strength 0 and logs a warning). See {@link MultipleNegativesRankingLoss}.
 * {@code mini_batch_num_tokens} is a token budget per mini-batch counted with the trained model's
 * tokenizer ({@link EncoderTrainable#tokenCount()}); with it alone a mini-batch is cut by tokens only,
 * {@code mini_batch_size} (default 32) adds a count limit. {@code n_dims_per_step}'s subsets are drawn from
 * the training step's generator, which the checkpoint holds: a resumed run draws the subsets the
 * uninterrupted run would have.
 */
final class LossConfig {
  private static final Set<String> MATRYOSHKA = Set.of("matryoshka_dims", "matryoshka_weights", "n_dims_per_step");
  private static final Set<String> MINI_BATCH = Set.of("mini_batch_size", "mini_batch_num_tokens");
  private static final Set<String> RANKING = Set.of("scale", "similarity", "directions", "partition_mode", "hardness_mode",
      "hardness_strength");
  private static final Set<String> GIST = Set.of("guide", "temperature", "margin_strategy", "margin", "contrast_anchors",
      "contrast_positives");
  /** Each loss's own keys, besides type and (but for GISTEmbedLoss) the Matryoshka keys. */
  static final Map<String, Set<String>> KEYS = new LinkedHashMap<>();

  static {
    KEYS.put("MultipleNegativesRankingLoss", RANKING);
    KEYS.put("MultipleNegativesSymmetricRankingLoss", Set.of("scale", "similarity"));
    KEYS.put("CachedMultipleNegativesRankingLoss", union(RANKING, MINI_BATCH));
    KEYS.put("CachedMultipleNegativesSymmetricRankingLoss", union(Set.of("scale", "similarity"), MINI_BATCH));
    KEYS.put("CoSENTLoss", Set.of("scale", "similarity"));
    KEYS.put("AnglELoss", Set.of("scale"));
    KEYS.put("CosineSimilarityLoss", Set.of());
    KEYS.put("TripletLoss", Set.of("distance_metric", "triplet_margin"));
    KEYS.put("MarginMSELoss", Set.of("similarity"));
    KEYS.put("GISTEmbedLoss", GIST);
    KEYS.put("CachedGISTEmbedLoss", union(GIST, MINI_BATCH));
  }

  private LossConfig() {}

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> s = new java.util.HashSet<>(a);
    s.addAll(b);
    return Set.copyOf(s);
  }

  /**
   * @param model what the losses need of the trained model and the guides, available once the config is bound
   */
  static EncoderLoss<PromptedText> of(JsonNode node, String at, Dataset data, TrainConfig.Models model) {
    String type;
    if (node.isTextual()) {
      type = node.textValue();
      node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", type);
    } else if (node.isObject()) {
      type = text(node, "type", at);
    } else {
      throw new ConfigException(at + ": expected a loss name or a mapping with 'type', got " + node);
    }
    Set<String> own = KEYS.get(type);
    if (own == null) {
      throw new ConfigException(at + ": unknown loss '" + type + "'; expected one of " + String.join(", ", KEYS.keySet()));
    }
    Set<String> known = new TreeSet<>(own);
    known.add("type");
    if (!type.equals("GISTEmbedLoss")) known.addAll(MATRYOSHKA);
    else if (node.has("matryoshka_dims")) {
      throw new ConfigException(at + ": 'matryoshka_dims' is not taken by GISTEmbedLoss here; use CachedGISTEmbedLoss, whose"
          + " Matryoshka form truncates the cached embeddings (same gradients, one more encoder pass)");
    }
    checkKeys(node, known, at + " (" + type + ")");
    for (String k : List.of("matryoshka_weights", "n_dims_per_step")) {
      if (node.has(k) && !node.has("matryoshka_dims")) throw new ConfigException(at + ": '" + k + "' needs 'matryoshka_dims'");
    }
    columns(type, data, at);

    float scale = number(node, "scale", 20f, at);
    SimilarityFunction sim = similarity(node, at, type.equals("MarginMSELoss") ? SimilarityFunction.DOT : SimilarityFunction.COSINE);
    try {
      EmbeddingLoss plain = switch (type) {
        case "MultipleNegativesRankingLoss" -> ranking(node, at, scale, sim);
        case "MultipleNegativesSymmetricRankingLoss" -> new MultipleNegativesSymmetricRankingLoss(scale, sim);
        case "CoSENTLoss" -> new CoSENTLoss(scale, sim);
        case "AnglELoss" -> new AnglELoss(scale);
        case "CosineSimilarityLoss" -> new CosineSimilarityLoss();
        case "TripletLoss" -> new TripletLoss(choice(node, "distance_metric", TripletLoss.DistanceMetric.EUCLIDEAN, at),
            number(node, "triplet_margin", 5f, at));
        case "MarginMSELoss" -> new MarginMSELoss(sim);
        default -> null;
      };
      if (plain != null) {
        return EncoderLoss.of(node.has("matryoshka_dims") ? matryoshka(plain, node, at) : plain);
      }
      MiniBatches<PromptedText> mini = miniBatches(node, at, model);
      EncoderLoss<PromptedText> cached = switch (type) {
        case "CachedMultipleNegativesRankingLoss" ->
            new CachedMultipleNegativesRankingLoss<>(ranking(node, at, scale, sim), mini);
        case "CachedMultipleNegativesSymmetricRankingLoss" ->
            new CachedMultipleNegativesSymmetricRankingLoss<>(new MultipleNegativesSymmetricRankingLoss(scale, sim), mini);
        case "GISTEmbedLoss" -> gist(node, at, model);
        case "CachedGISTEmbedLoss" -> new CachedGISTEmbedLoss<>(gist(node, at, model), mini);
        default -> throw new IllegalStateException(type);
      };
      if (!node.has("matryoshka_dims")) return cached;
      return new CachedMatryoshkaLoss<>(cached, dims(node, at), weights(node, at), integer(node, "n_dims_per_step", -1, -1, at),
          null);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(at + " (" + type + "): " + e.getMessage());
    }
  }

  /** MultipleNegativesRankingLoss with its directions, partition mode and hardness, checked key by key. */
  private static MultipleNegativesRankingLoss ranking(JsonNode node, String at, float scale, SimilarityFunction sim) {
    Set<Direction> directions = directions(node, at);
    PartitionMode partition = choice(node, "partition_mode", PartitionMode.JOINT, at);
    if (partition == PartitionMode.PER_DIRECTION
        && (directions.contains(Direction.QUERY_TO_QUERY) || directions.contains(Direction.DOC_TO_DOC))) {
      throw new ConfigException(at + ": 'partition_mode: per_direction' takes only query_to_doc and doc_to_query in"
          + " 'directions', got " + names(directions) + ": query_to_query and doc_to_doc never hold the positive, so"
          + " their own loss would be negative; use partition_mode: joint with them");
    }
    HardnessMode hardness = node.has("hardness_mode") && !node.get("hardness_mode").isNull()
        ? choice(node, "hardness_mode", HardnessMode.IN_BATCH_NEGATIVES, at) : null;
    float strength = number(node, "hardness_strength", 0f, at);
    if (strength < 0) {
      throw new ConfigException(at + ": 'hardness_strength' must be ≥ 0 (LLaVE uses 9, EmbeddingGemma 5), got " + strength);
    }
    if (hardness != null && strength == 0f) {
      throw new ConfigException(at + ": 'hardness_mode' needs 'hardness_strength' above 0 (LLaVE uses 9 with"
          + " in_batch_negatives, EmbeddingGemma 5 with hard_negatives); with strength 0 it changes nothing");
    }
    if (hardness == null && node.has("hardness_strength")) {
      throw new ConfigException(at + ": 'hardness_strength' needs 'hardness_mode' (in_batch_negatives, hard_negatives"
          + " or all_negatives)");
    }
    return new MultipleNegativesRankingLoss(scale, sim, directions, partition, hardness, strength);
  }

  /** 'directions': a list of the Direction names in lower case, query_to_doc among them; [query_to_doc] by default. */
  private static Set<Direction> directions(JsonNode node, String at) {
    if (!node.has("directions")) return EnumSet.of(Direction.QUERY_TO_DOC);
    String allowed = names(EnumSet.allOf(Direction.class));
    JsonNode v = node.get("directions");
    if (!v.isArray() || v.isEmpty()) {
      throw new ConfigException(at + ": 'directions' must be a list of one or more of " + allowed + ", got " + v);
    }
    Set<Direction> out = EnumSet.noneOf(Direction.class);
    for (JsonNode x : v) {
      Direction d = null;
      for (Direction c : Direction.values()) if (x.isTextual() && c.name().equalsIgnoreCase(x.textValue().trim())) d = c;
      if (d == null) throw new ConfigException(at + ": 'directions' values must be " + allowed + ", got " + x + " in " + v);
      out.add(d);
    }
    if (!out.contains(Direction.QUERY_TO_DOC)) {
      throw new ConfigException(at + ": 'directions' must include query_to_doc, which holds the positive pair; got " + v);
    }
    return out;
  }

  private static String names(Set<Direction> directions) {
    return directions.stream().map(d -> d.name().toLowerCase(java.util.Locale.ROOT))
        .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  private static EmbeddingLoss matryoshka(EmbeddingLoss inner, JsonNode node, String at) {
    return new MatryoshkaLoss(inner, dims(node, at), weights(node, at), integer(node, "n_dims_per_step", -1, -1, at),
        null);
  }

  private static int[] dims(JsonNode node, String at) {
    int[] d = integers(node, "matryoshka_dims", 1, at);
    if (d.length == 0) throw new ConfigException(at + ": 'matryoshka_dims' must list at least one dimension, e.g. [384, 256, 128, 64]");
    return d;
  }

  private static float[] weights(JsonNode node, String at) {
    if (!node.has("matryoshka_weights")) return null;
    float[] w = numbers(node, "matryoshka_weights", at);
    int dims = node.get("matryoshka_dims").size();
    if (w.length != dims) {
      throw new ConfigException(at + ": 'matryoshka_weights' has " + w.length + " weights for the " + dims + " matryoshka_dims");
    }
    return w;
  }

  private static MiniBatches<PromptedText> miniBatches(JsonNode node, String at, TrainConfig.Models model) {
    int size = integer(node, "mini_batch_size", 32, 1, at);
    if (!node.has("mini_batch_num_tokens")) return MiniBatches.ofSize(size);
    int tokens = integer(node, "mini_batch_num_tokens", 0, 1, at);
    ToIntFunction<PromptedText> count = p -> model.tokenCount().applyAsInt(p);
    return node.has("mini_batch_size") ? MiniBatches.of(size, tokens, count) : MiniBatches.ofTokens(tokens, count);
  }

  private static GISTEmbedLoss<PromptedText> gist(JsonNode node, String at, TrainConfig.Models model) {
    if (!node.has("guide")) {
      throw new ConfigException(at + ": 'guide' is missing: GIST needs a guide model (a model folder, or default for all-MiniLM-L6-v2)");
    }
    String guide = text(node, "guide", at);
    model.checkGuide(guide, at + ".guide");
    Embedder<PromptedText> embedder = (inputs, random) -> model.guide(guide).embed(inputs, random);
    return new GISTEmbedLoss<>(embedder, number(node, "temperature", 0.01f, at),
        choice(node, "margin_strategy", MarginStrategy.ABSOLUTE, at), number(node, "margin", 0f, at),
        bool(node, "contrast_anchors", true, at), bool(node, "contrast_positives", true, at));
  }

  private static SimilarityFunction similarity(JsonNode node, String at, SimilarityFunction dflt) {
    if (!node.has("similarity")) return dflt;
    String s = text(node, "similarity", at);
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "cosine", "cos" -> SimilarityFunction.COSINE;
      case "dot" -> SimilarityFunction.DOT;
      default -> throw new ConfigException(at + ": 'similarity' must be cosine or dot, got '" + s + "'");
    };
  }

  /** The columns a loss needs, checked against the dataset's before any model is loaded. */
  private static void columns(String type, Dataset d, String at) {
    int n = d.textColumns().size();
    String need = switch (type) {
      case "CoSENTLoss", "AnglELoss", "CosineSimilarityLoss" -> n == 2 && d.hasLabels() ? null
          : "two text columns and a score column (sentence1, sentence2, score)";
      case "TripletLoss" -> n == 3 ? null : "three text columns (anchor, positive, negative)";
      case "MarginMSELoss" -> n == 3 && d.hasLabels() ? null
          : "three text columns and a score column, the teacher's margin (query, positive, negative, score)";
      case "GISTEmbedLoss", "CachedGISTEmbedLoss" -> n == 2 || n == 3 ? null : "two or three text columns (anchor, positive[, negative])";
      default -> n >= 2 ? null : "at least two text columns (anchor, positive, negatives…)";
    };
    if (need != null) {
      throw new ConfigException(at + ": " + type + " needs " + need + "; dataset '" + d.name() + "' has " + d.textColumns()
          + (d.hasLabels() ? " and the score column '" + d.labelColumn() + "'" : " and no score column"));
    }
  }
}
