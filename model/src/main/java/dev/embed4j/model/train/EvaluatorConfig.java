package dev.embed4j.model.train;

import static dev.embed4j.model.train.TrainConfig.checkKeys;
import static dev.embed4j.model.train.TrainConfig.integers;
import static dev.embed4j.model.train.TrainConfig.number;
import static dev.embed4j.model.train.TrainConfig.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.eval.EmbeddingSimilarityEvaluator;
import dev.embed4j.model.eval.Evaluator;
import dev.embed4j.model.eval.InformationRetrievalEvaluator;
import dev.embed4j.model.eval.MatryoshkaEvaluator;
import dev.embed4j.model.eval.SequentialEvaluator;
import dev.embed4j.model.eval.TripletEvaluator;
import dev.embed4j.model.train.TrainConfig.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code evaluators:} of a {@link TrainConfig}, each read from a data file beside the config:
 * <pre>
 * evaluators:
 *   - type: retrieval      # anchor, positive: each anchor's relevant document is its own positive, among all positives
 *     path: dev.jsonl
 *     name: dev            # optional: the metrics' prefix, default the file's name
 *     query_prompt: "query: "
 *     corpus_prompt: ""
 *   - type: similarity     # sentence1, sentence2, score: Spearman and Pearson of the cosine with the score
 *     path: sts.csv
 *     prompt: ""
 *   - type: triplet        # anchor, positive, negative: accuracy of sim(a, p) − sim(a, n) &gt; margin
 *     path: triplets.jsonl
 *     similarities: [cosine, dot, euclidean, manhattan]   # default [cosine]
 *     margin: 0
 *     anchor_prompt: ""
 *     document_prompt: ""
 *   # every evaluator also takes matryoshka_dims: [384, 128, 64] (its metrics at each truncated dimension)
 * eval_main_score: last    # with several evaluators (a SequentialEvaluator): last (as ST), first, mean
 * </pre>
 */
final class EvaluatorConfig {
  private static final Set<String> COMMON = Set.of("type", "path", "name", "matryoshka_dims");

  private EvaluatorConfig() {}

  static Evaluator of(JsonNode list, String mainScore, Path base, String where) {
    String at = where + ", evaluators";
    if (!list.isArray() || list.isEmpty()) throw new ConfigException(at + ": must be a non-empty list of {type, path}");
    List<Evaluator> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) out.add(one(list.get(i), base, at + "[" + i + "]"));
    if (out.size() == 1 && mainScore == null) return out.get(0);
    String how = mainScore == null ? "last" : mainScore.toLowerCase(Locale.ROOT);
    return switch (how) {
      case "last" -> new SequentialEvaluator(out);
      case "first" -> new SequentialEvaluator(out, s -> s.get(0));
      case "mean" -> new SequentialEvaluator(out, s -> s.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
      default -> throw new ConfigException(where + ": 'eval_main_score' must be last, first or mean, got '" + mainScore + "'");
    };
  }

  private static Evaluator one(JsonNode e, Path base, String at) {
    if (!e.isObject()) throw new ConfigException(at + ": expected a mapping with type and path");
    String type = text(e, "type", at);
    Set<String> own = switch (type) {
      case "retrieval" -> Set.of("query_prompt", "corpus_prompt");
      case "similarity" -> Set.of("prompt");
      case "triplet" -> Set.of("similarities", "margin", "anchor_prompt", "document_prompt");
      default -> throw new ConfigException(at + ": 'type' must be retrieval, similarity or triplet, got '" + type + "'");
    };
    Set<String> known = new java.util.TreeSet<>(own);
    known.addAll(COMMON);
    checkKeys(e, known, at + " (" + type + ")");
    Dataset d;
    try {
      d = DatasetReader.read(base.resolve(text(e, "path", at)), e.has("name") ? text(e, "name", at) : null);
    } catch (IllegalArgumentException x) {
      throw new ConfigException(at + ".path: " + x.getMessage());
    }
    int n = d.textColumns().size();
    Evaluator ev;
    try {
      ev = switch (type) {
        case "retrieval" -> {
          if (n < 2) throw new ConfigException(at + ": retrieval needs (query, document) columns; '" + d.name() + "' has " + d.textColumns());
          yield InformationRetrievalEvaluator.fromPairs(d.name(), column(d, 0), column(d, 1), prompt(e, "query_prompt", at),
              prompt(e, "corpus_prompt", at));
        }
        case "similarity" -> {
          if (n != 2 || !d.hasLabels()) {
            throw new ConfigException(at + ": similarity needs sentence1, sentence2 and a score column; '" + d.name() + "' has "
                + d.textColumns() + (d.hasLabels() ? " and a score" : " and no score"));
          }
          double[] scores = new double[d.size()];
          for (int r = 0; r < scores.length; r++) scores[r] = d.label(r);
          yield new EmbeddingSimilarityEvaluator(d.name(), column(d, 0), column(d, 1), scores, prompt(e, "prompt", at));
        }
        default -> {
          if (n != 3) throw new ConfigException(at + ": triplet needs anchor, positive and negative columns; '" + d.name() + "' has " + d.textColumns());
          yield new TripletEvaluator(d.name(), column(d, 0), column(d, 1), column(d, 2), similarities(e, at),
              number(e, "margin", 0f, at), prompt(e, "anchor_prompt", at), prompt(e, "document_prompt", at));
        }
      };
      if (e.has("matryoshka_dims")) ev = new MatryoshkaEvaluator(ev, integers(e, "matryoshka_dims", 1, at));
    } catch (ConfigException x) {
      throw x;
    } catch (IllegalArgumentException x) {
      throw new ConfigException(at + ": " + x.getMessage());
    }
    return ev;
  }

  private static List<String> column(Dataset d, int c) {
    List<String> out = new ArrayList<>(d.size());
    for (int r = 0; r < d.size(); r++) out.add(d.text(r, c));
    return out;
  }

  private static String prompt(JsonNode e, String key, String at) {
    return e.has(key) ? text(e, key, at) : "";
  }

  private static List<SimilarityFunction> similarities(JsonNode e, String at) {
    if (!e.has("similarities")) return List.of(SimilarityFunction.COSINE);
    JsonNode s = e.get("similarities");
    if (!s.isArray() || s.isEmpty()) throw new ConfigException(at + ": 'similarities' must be a non-empty list, e.g. [cosine, dot]");
    List<SimilarityFunction> out = new ArrayList<>();
    for (JsonNode v : s) {
      try {
        if (!v.isTextual()) throw new IllegalArgumentException();
        out.add(SimilarityFunction.valueOf(v.textValue().trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException x) {
        throw new ConfigException(at + ": 'similarities' holds " + v + "; expected cosine, dot, euclidean or manhattan");
      }
    }
    return out;
  }
}
