package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.CoSENTLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.train.Trainer;
import dev.embed4j.model.train.TrainingArguments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README.md that save writes, before and after training. */
class ModelCardTest {
  @TempDir Path dir;

  static Dataset pairs(int n) {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) rows.add(List.of("question " + i + " about item " + (i * 7), "answer " + i + " on item " + (i * 7)));
    return Dataset.of("qa", List.of("anchor", "positive"), rows);
  }

  static Dataset graded(int n) {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) rows.add(List.of("first " + i, "second " + (i * 3), (i % 5) / 4.0));
    return Dataset.of("sts", List.of("sentence1", "sentence2", "score"), rows);
  }

  static void assertHas(String card, String... parts) {
    for (String p : parts) assertTrue(card.contains(p), "model card lacks '" + p + "':\n" + card);
  }

  @Test
  void anUntrainedModelsCardDescribesTheModel() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 1);
    enc.save(dir.resolve("m"));
    String card = Files.readString(dir.resolve("m").resolve("README.md"));
    assertHas(card, "library_name: sentence-transformers", "- **Maximum Sequence Length:** 128 tokens",
        "- **Output Dimensionality:** 32 dimensions", "- **Similarity Function:** Cosine Similarity",
        "'pooling_mode_mean_tokens': True", "'include_prompt': False", "(2): Normalize()", "`query`: `query: `",
        "- embed4j: 0.1.0", "- Java: " + Runtime.version());
    assertFalse(card.contains("## Training Details") || card.contains("base_model:"), card);
    // loading it back names the folder as the base model
    SentenceEncoder loaded = SentenceEncoder.load(dir.resolve("m"));
    loaded.save(dir.resolve("m2"));
    assertHas(Files.readString(dir.resolve("m2").resolve("README.md")), "# SentenceTransformer based on " + dir.resolve("m"));
  }

  @Test
  void aTrainedModelsCardHasDatasetsLossesHyperParametersLogAndResults() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 2);
    enc.modelCardData().baseModel("org/tiny-base");
    Path out = dir.resolve("run");
    Trainer.builder().model(enc)
        .task("qa", pairs(32), new MultipleNegativesRankingLoss(10f, dev.embed4j.losses.SimilarityFunction.DOT))
        .task("sts", graded(16), new CoSENTLoss())
        .prompts(Prompts.none().datasetColumn("qa", "anchor", "query: "))
        .evaluation("toy", m -> Map.of("toy_score", 0.75))
        .args(TrainingArguments.defaults().withBatchSize(8).withMaxSteps(3).withOutputDir(out).withEvalEvery(0))
        .build().fit();
    String card = Files.readString(out.resolve("final").resolve("README.md"));
    assertHas(card, "base_model: org/tiny-base", "- dataset_size:48", "- loss:MultipleNegativesRankingLoss", "- loss:CoSENTLoss",
        "# SentenceTransformer based on org/tiny-base", "finetuned from [org/tiny-base](https://huggingface.co/org/tiny-base)",
        "#### qa", "* Size: 32 training samples", "* Columns: <code>anchor</code> and <code>positive</code>",
        "* Prompts: <code>anchor</code>: <code>query: </code>",
        "#### sts", "* Size: 16 training samples", "<code>sentence1</code>, <code>sentence2</code> and <code>score</code>",
        "* Loss: <code>MultipleNegativesRankingLoss</code> with these parameters:", "\"scale\": 10.0", "\"similarity\": \"DOT\"",
        "* Loss: <code>CoSENTLoss</code> with these parameters:", "\"scale\": 20.0",
        "#### Non-Default Hyperparameters", "- `batch_size`: 8", "- `max_steps`: 3", "- `learning_rate`: 5.0E-5",
        "| Epoch | Step |", "Training Loss (qa)", "| toy_score | 0.7500 |", "## Evaluation", "- embed4j: 0.1.0");
    String nonDefault = card.substring(card.indexOf("#### Non-Default"), card.indexOf("#### All Hyperparameters"));
    assertFalse(nonDefault.contains("learning_rate"), nonDefault);
    // the log table has the three steps
    assertHas(card.substring(card.indexOf("### Training Logs")), "| 1 |", "| 2 |", "| 3 |");
  }
}
