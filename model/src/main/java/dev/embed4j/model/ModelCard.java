package dev.embed4j.model;

import dev.embed4j.model.bert.Pooling;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The README.md of a saved model, laid out as sentence-transformers' generated model cards are: YAML
 * front matter for the Hugging Face Hub (tags, base model, pipeline), the model's details and
 * architecture, how to use it from Python and from Java, and, when the trainer has run
 * ({@link ModelCardData}), its evaluation results, datasets with sizes and columns, losses with their
 * parameters, hyper-parameters (those changed from the defaults first), training log and framework
 * versions.
 */
public final class ModelCard {
  /** Rows of the training log the card shows at most; the whole log is in metrics.jsonl. */
  static final int MAX_LOG_ROWS = 40;

  private ModelCard() {}

  public static String markdown(SentenceEncoder enc) {
    ModelCardData d = enc.modelCardData();
    List<ModelCardData.DatasetInfo> datasets = d.datasets();
    Map<String, ModelCardData.LossInfo> losses = d.losses();
    String base = d.baseModel();
    StringBuilder sb = new StringBuilder();
    sb.append("---\ntags:\n- sentence-transformers\n- sentence-similarity\n- feature-extraction\n- embed4j\n");
    if (!datasets.isEmpty()) {
      sb.append("- generated_from_trainer\n");
      sb.append("- dataset_size:").append(datasets.stream().mapToInt(ModelCardData.DatasetInfo::size).sum()).append('\n');
      Set<String> names = new LinkedHashSet<>();
      for (ModelCardData.LossInfo l : losses.values()) names.add(l.name());
      for (String n : names) sb.append("- loss:").append(n).append('\n');
    }
    if (isHubId(base)) sb.append("base_model: ").append(base).append('\n');
    sb.append("pipeline_tag: sentence-similarity\nlibrary_name: sentence-transformers\n---\n\n");

    sb.append("# SentenceTransformer").append(base == null ? "" : " based on " + base).append("\n\n");
    sb.append("This is a [sentence-transformers](https://www.SBERT.net) model")
        .append(base == null ? "" : (datasets.isEmpty() ? " from " : " finetuned from ") + link(base))
        .append(", trained and saved by embed4j. It maps sentences and paragraphs to a ").append(enc.dimension())
        .append("-dimensional dense vector space and can be used for semantic textual similarity, semantic search,")
        .append(" paraphrase mining, text classification, clustering, and more.\n\n");

    sb.append("## Model Details\n\n### Model Description\n");
    sb.append("- **Model Type:** Sentence Transformer\n");
    if (base != null) sb.append("- **Base model:** ").append(link(base)).append('\n');
    sb.append("- **Maximum Sequence Length:** ").append(enc.maxSeqLength()).append(" tokens\n");
    sb.append("- **Output Dimensionality:** ").append(enc.dimension()).append(" dimensions\n");
    sb.append("- **Similarity Function:** ").append(similarityName(enc.similarityFunction().stName)).append('\n');
    if (!enc.prompts().isEmpty()) {
      sb.append("- **Prompts:** ");
      List<String> ps = new ArrayList<>();
      enc.prompts().forEach((k, v) -> ps.add("`" + k + "`: `" + v + "`"));
      sb.append(String.join(", ", ps)).append(enc.defaultPromptName() == null ? "" : " (default `" + enc.defaultPromptName() + "`)")
          .append('\n');
    }
    if (!datasets.isEmpty()) {
      sb.append("- **Training Datasets:**\n");
      for (ModelCardData.DatasetInfo ds : datasets) sb.append("    - ").append(ds.name()).append('\n');
    }
    Pooling p = enc.pooling();
    sb.append("\n### Full Model Architecture\n\n```\nSentenceTransformer(\n");
    sb.append("  (0): Transformer({'max_seq_length': ").append(enc.maxSeqLength())
        .append(", 'do_lower_case': False}) with Transformer model: BertModel\n");
    sb.append("  (1): Pooling({'word_embedding_dimension': ").append(enc.model().config().hiddenSize())
        .append(", 'pooling_mode_cls_token': ").append(py(p.mode() == Pooling.Mode.CLS))
        .append(", 'pooling_mode_mean_tokens': ").append(py(p.mode() == Pooling.Mode.MEAN))
        .append(", 'pooling_mode_max_tokens': ").append(py(p.mode() == Pooling.Mode.MAX))
        .append(", 'include_prompt': ").append(py(p.includePrompt())).append("})\n");
    if (enc.normalizes()) sb.append("  (2): Normalize()\n");
    sb.append(")\n```\n\n");

    sb.append("## Usage\n\n### Sentence Transformers (Python)\n\n```python\nfrom sentence_transformers import SentenceTransformer\n\n")
        .append("model = SentenceTransformer(\"path/to/this/model\")\n")
        .append("embeddings = model.encode([\"The weather is lovely today.\", \"It's so sunny outside!\"])\n")
        .append("similarities = model.similarity(embeddings, embeddings)\n```\n\n");
    sb.append("### embed4j (Java)\n\n```java\nSentenceEncoder model = SentenceEncoder.load(Path.of(\"path/to/this/model\"));\n")
        .append("float[][] embeddings = model.encode(List.of(\"The weather is lovely today.\", \"It's so sunny outside!\"));\n")
        .append("float[][] similarities = model.similarity(embeddings, embeddings);\n```\n\n");

    Map<String, Object> eval = d.evaluation();
    if (!eval.isEmpty()) {
      sb.append("## Evaluation\n\n### Metrics\n\n| Metric | Value |\n|:-------|:------|\n");
      eval.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(number(v)).append(" |\n"));
      sb.append('\n');
    }

    if (!datasets.isEmpty()) {
      sb.append("## Training Details\n\n### Training Datasets\n");
      for (ModelCardData.DatasetInfo ds : datasets) {
        sb.append("\n#### ").append(ds.name()).append("\n\n");
        sb.append("* Size: ").append(ds.size()).append(" training samples\n");
        List<String> cols = ds.columns().stream().map(c -> "<code>" + c + "</code>").toList();
        sb.append("* Columns: ").append(cols.size() <= 1 ? String.join("", cols)
            : String.join(", ", cols.subList(0, cols.size() - 1)) + " and " + cols.get(cols.size() - 1)).append('\n');
        if (!ds.prompts().isEmpty()) {
          List<String> ps = new ArrayList<>();
          for (String c : ds.columns()) if (ds.prompts().containsKey(c)) ps.add("<code>" + c + "</code>: <code>" + ds.prompts().get(c) + "</code>");
          sb.append("* Prompts: ").append(String.join(", ", ps)).append('\n');
        }
        ModelCardData.LossInfo loss = losses.get(ds.name());
        if (loss != null) {
          sb.append("* Loss: <code>").append(loss.name()).append("</code>");
          if (loss.parameters().isEmpty()) {
            sb.append('\n');
          } else {
            sb.append(" with these parameters:\n  ```json\n  {\n");
            List<String> ps = new ArrayList<>();
            loss.parameters().forEach((k, v) -> ps.add("      \"" + k + "\": " + jsonValue(v)));
            sb.append(String.join(",\n", ps)).append("\n  }\n  ```\n");
          }
        }
      }
      Map<String, Object> hp = d.hyperParameters(), dflt = d.defaultHyperParameters();
      sb.append("\n### Training Hyperparameters\n\n#### Non-Default Hyperparameters\n\n");
      hp.forEach((k, v) -> {
        if (!java.util.Objects.equals(v, dflt.get(k))) sb.append("- `").append(k).append("`: ").append(v).append('\n');
      });
      sb.append("\n#### All Hyperparameters\n<details><summary>Click to expand</summary>\n\n");
      hp.forEach((k, v) -> sb.append("- `").append(k).append("`: ").append(v).append('\n'));
      sb.append("\n</details>\n");
      trainingLog(sb, d.trainingLog());
    }

    sb.append("\n### Framework Versions\n\n- embed4j: ").append(ModelFolder.EMBED4J_VERSION).append('\n')
        .append("- Java: ").append(Runtime.version()).append('\n')
        .append("- Sentence Transformers (file format): ").append(ModelFolder.SENTENCE_TRANSFORMERS_FORMAT).append('\n');
    return sb.toString();
  }

  /** The log as a table: epoch, step, each dataset's loss and each metric; evenly thinned to {@link #MAX_LOG_ROWS}. */
  private static void trainingLog(StringBuilder sb, List<Map<String, Object>> log) {
    if (log.isEmpty()) return;
    Set<String> columns = new LinkedHashSet<>();
    for (Map<String, Object> m : log) {
      for (String k : m.keySet()) if (k.startsWith("loss/") || k.startsWith("eval_")) columns.add(k);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    int n = log.size();
    for (int i = 0; i < n; i++) {
      boolean evaluated = log.get(i).keySet().stream().anyMatch(k -> k.startsWith("eval_"));
      boolean sampled = n <= MAX_LOG_ROWS || i == n - 1 || (long) i * MAX_LOG_ROWS / n != (long) (i + 1) * MAX_LOG_ROWS / n;
      if (evaluated || sampled) rows.add(log.get(i));
    }
    sb.append("\n### Training Logs\n\n");
    if (rows.size() < n) sb.append(rows.size()).append(" of ").append(n).append(" logged steps; every step is in metrics.jsonl.\n\n");
    sb.append("| Epoch | Step |");
    for (String c : columns) sb.append(' ').append(c.startsWith("loss/") ? "Training Loss (" + c.substring(5) + ")" : c).append(" |");
    sb.append("\n|:-----|:-----|");
    for (int i = 0; i < columns.size(); i++) sb.append(":-----|");
    sb.append('\n');
    for (Map<String, Object> r : rows) {
      sb.append("| ").append(r.containsKey("epoch") ? number(r.get("epoch")) : "-").append(" | ").append(r.get("step")).append(" |");
      for (String c : columns) sb.append(' ').append(r.containsKey(c) ? number(r.get(c)) : "-").append(" |");
      sb.append('\n');
    }
  }

  private static boolean isHubId(String s) {
    return s != null && s.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
  }

  private static String link(String base) {
    return isHubId(base) ? "[" + base + "](https://huggingface.co/" + base + ")" : "`" + base + "`";
  }

  private static String py(boolean b) {
    return b ? "True" : "False";
  }

  private static String similarityName(String st) {
    return switch (st) {
      case "cosine" -> "Cosine Similarity";
      case "dot" -> "Dot Product";
      case "euclidean" -> "Euclidean Distance";
      case "manhattan" -> "Manhattan Distance";
      default -> st;
    };
  }

  private static String number(Object v) {
    if (v instanceof Double || v instanceof Float) return String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue());
    return String.valueOf(v);
  }

  private static String jsonValue(String v) {
    return v.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?|true|false") ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
