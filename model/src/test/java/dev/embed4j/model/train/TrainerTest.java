package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MatryoshkaLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.data.Prompts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path dir;

  private static final String[] WORDS = {"cat", "dog", "house", "river", "tree", "car", "bread", "music", "stone", "cloud",
      "apple", "chair", "window", "garden", "ocean", "mountain", "book", "lamp", "road", "bird", "fish", "coffee", "snow",
      "paper", "glass", "horse", "bridge", "train", "flower", "clock", "shoe", "hat"};

  static Dataset pairs(String name, int n, int offset) {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String w = WORDS[(i + offset) % WORDS.length];
      rows.add(List.of("what is a " + w + " number " + i, "a " + w + " is described here " + i));
    }
    return Dataset.of(name, List.of("anchor", "positive"), rows);
  }

  private static EncoderTrainable model(long seed) throws Exception {
    return new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, seed));
  }

  private Trainer.Builder base(EncoderTrainable m, Path out) {
    return Trainer.builder().model(m)
        .task("retrieval", pairs("retrieval", 64, 0), EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .task("symmetric", pairs("symmetric", 48, 7), EncoderLoss.of(new MultipleNegativesSymmetricRankingLoss()))
        .prompts(Prompts.none().datasetColumn("retrieval", "anchor", "query: "))
        .batchSize(8).learningRate(1e-3f).seed(5).outputDir(out);
  }

  @Test
  void trainingLowersTheLossOfBothTasksAndWritesMetricsAndModel() throws Exception {
    Path out = dir.resolve("run");
    Trainer.Result r = base(model(1), out).epochs(3).evalEvery(-1).build().fit();
    List<Map<String, Object>> log = MetricsLog.read(out.resolve("metrics.jsonl"));
    assertEquals(r.steps(), log.size());
    assertEquals(3 * 14, r.steps()); // 8 + 6 batches of 8 per epoch, proportional sampler
    for (String task : List.of("retrieval", "symmetric")) {
      List<Double> losses = log.stream().filter(m -> m.containsKey("loss/" + task))
          .map(m -> ((Number) m.get("loss/" + task)).doubleValue()).toList();
      double first = (losses.get(0) + losses.get(1)) / 2, last = (losses.get(losses.size() - 1) + losses.get(losses.size() - 2)) / 2;
      assertTrue(last < first * 0.8, task + " loss " + first + " -> " + last);
    }
    assertTrue(((Number) log.get(0).get("lr")).doubleValue() < 1e-3, "warm-up starts below the base rate");
    assertTrue(log.get(0).containsKey("grad_norm") && log.get(0).containsKey("samples_per_second"));
    assertTrue(!Files.exists(out.resolve("metrics.png")), "the library draws no plot; the application does");
    assertTrue(Files.exists(out.resolve("final").resolve("model.safetensors")));
  }

  @Test
  void theListenerHearsEveryStepAndTheTrainerPrintsNothing() throws Exception {
    List<String> heard = new ArrayList<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void started(int firstStep, int totalSteps) {
        heard.add("started " + firstStep + "/" + totalSteps);
      }

      @Override
      public void step(int step, int totalSteps, String task, float loss, Map<String, Object> record) {
        assertEquals(step, record.get("step"));
        assertTrue(Float.isFinite(loss) && record.containsKey("loss/" + task), record.toString());
        heard.add("step " + step + "/" + totalSteps);
      }
    };
    String headless = System.getProperty("java.awt.headless");
    PrintStream stdout = System.out, stderr = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8)) {
      System.setOut(capture);
      System.setErr(capture);
      base(model(2), dir.resolve("quiet")).maxSteps(3).evalEvery(-1).listener(listener).build().fit();
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    assertEquals(List.of("started 0/3", "step 1/3", "step 2/3", "step 3/3"), heard);
    assertEquals("", printed.toString(java.nio.charset.StandardCharsets.UTF_8), "the trainer printed");
    assertEquals(headless, System.getProperty("java.awt.headless"), "the trainer set a system property");
  }

  @Test
  void resumingFromACheckpointReproducesTheUninterruptedLossCurve() throws Exception {
    Path full = dir.resolve("full"), part = dir.resolve("part");
    Trainer.Result whole = base(model(2), full).maxSteps(10).evalEvery(-1).build().fit();
    List<Map<String, Object>> reference = MetricsLog.read(full.resolve("metrics.jsonl"));

    base(model(2), part).maxSteps(10).checkpointEvery(4).evalEvery(-1).build().fit();
    assertTrue(Files.exists(part.resolve("checkpoint-8")) && Files.exists(part.resolve("checkpoint-4")));
    // a fresh model (other initial weights) resumed from step 4 must take the same path as the uninterrupted run
    Path resumed = dir.resolve("resumed");
    Files.createDirectories(resumed);
    base(model(99), resumed).maxSteps(10).evalEvery(-1).resumeFrom(part.resolve("checkpoint-4")).build().fit();
    List<Map<String, Object>> after = MetricsLog.read(resumed.resolve("metrics.jsonl"));
    assertEquals(6, after.size());
    for (int i = 0; i < 6; i++) {
      Map<String, Object> a = after.get(i), b = reference.get(i + 4);
      assertEquals(((Number) b.get("step")).intValue(), ((Number) a.get("step")).intValue());
      String key = a.keySet().stream().filter(k -> k.startsWith("loss/")).findFirst().orElseThrow();
      assertTrue(b.containsKey(key), "same dataset at step " + a.get("step"));
      assertEquals(((Number) b.get(key)).doubleValue(), ((Number) a.get(key)).doubleValue(), 1e-6, "loss at step " + a.get("step"));
    }
    assertEquals(whole.steps(), 10);
  }

  /**
   * A Matryoshka loss with n_dims_per_step draws its subsets from the step's generator, which the checkpoint
   * holds: a run resumed from step 4 draws the dimensions the uninterrupted run drew, so its losses match.
   */
  @Test
  void resumingReplaysTheMatryoshkaSubsets() throws Exception {
    EncoderLoss<PromptedText> loss = EncoderLoss.of(new MatryoshkaLoss(new MultipleNegativesRankingLoss(),
        new int[] {32, 16, 8, 4}, null, 1, null));
    java.util.function.BiFunction<EncoderTrainable, Path, Trainer.Builder> run = (m, out) -> Trainer.builder().model(m)
        .task("retrieval", pairs("retrieval", 64, 0), loss).batchSize(8).learningRate(1e-3f).seed(5).outputDir(out)
        .maxSteps(10).evalEvery(-1);
    Path full = dir.resolve("m-full"), part = dir.resolve("m-part"), resumed = dir.resolve("m-resumed");
    run.apply(model(3), full).build().fit();
    run.apply(model(3), part).checkpointEvery(4).build().fit();
    Files.createDirectories(resumed);
    run.apply(model(98), resumed).resumeFrom(part.resolve("checkpoint-4")).build().fit();
    List<Map<String, Object>> reference = MetricsLog.read(full.resolve("metrics.jsonl"));
    List<Map<String, Object>> after = MetricsLog.read(resumed.resolve("metrics.jsonl"));
    assertEquals(6, after.size());
    for (int i = 0; i < 6; i++) {
      double expected = ((Number) reference.get(i + 4).get("loss/retrieval")).doubleValue();
      assertEquals(expected, ((Number) after.get(i).get("loss/retrieval")).doubleValue(), 1e-6, "loss at step " + (i + 5));
    }
  }

  @Test
  void aNonFiniteLossStopsTrainingNamingStepAndDatasetAndKeepsTheLastCheckpoint() throws Exception {
    Path out = dir.resolve("nan");
    int[] calls = {0};
    EncoderLoss<PromptedText> poisoned = (model, columns, labels, random) -> {
      Tensor loss = EncoderLoss.<PromptedText>of(new MultipleNegativesRankingLoss()).forward(model, columns, labels, random);
      return ++calls[0] == 5 ? loss.mul(Float.NaN) : loss;
    };
    Trainer t = Trainer.builder().model(model(3)).task("retrieval", pairs("retrieval", 64, 0), poisoned).batchSize(8)
        .seed(1).outputDir(out).checkpointEvery(2).evalEvery(-1).build();
    var e = assertThrows(Trainer.DivergedException.class, t::fit);
    assertTrue(e.getMessage().contains("step 5") && e.getMessage().contains("'retrieval'")
        && e.getMessage().contains("checkpoint-4"), e.getMessage());
    assertTrue(Files.exists(out.resolve("checkpoint-4").resolve("trainer_state.json")));
    assertFalse(Files.exists(out.resolve("checkpoint-6")));
  }

  @Test
  void biasesAndLayerNormWeightsGetNoWeightDecay() {
    assertTrue(Trainer.isNoDecay("encoder.layer.0.attention.output.LayerNorm.weight"));
    assertTrue(Trainer.isNoDecay("encoder.layer.0.intermediate.dense.bias"));
    assertFalse(Trainer.isNoDecay("encoder.layer.0.intermediate.dense.weight"));
    assertFalse(Trainer.isNoDecay("embeddings.word_embeddings.weight"));
  }

  @Test
  void badSettingsAreRejectedClearly() throws Exception {
    var e = assertThrows(IllegalStateException.class, () -> Trainer.builder().model(model(1)).build());
    assertTrue(e.getMessage().contains("no training dataset"));
    var e2 = assertThrows(IllegalArgumentException.class, () -> Trainer.builder().model(model(1))
        .task("r", pairs("r", 4, 0), EncoderLoss.of(new MultipleNegativesRankingLoss())).batchSize(8).build().fit());
    assertTrue(e2.getMessage().contains("no full batch of 8"), e2.getMessage());
  }
}
