package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.io.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19, finding 1: a diverging or interrupted run never leaves what it cannot resume from. */
class DivergenceTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private Trainer.Builder run(Path out, float lr, long seed) throws Exception {
    return Trainer.builder().model(new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, seed)))
        .task("retrieval", TrainerTest.pairs("retrieval", 64, 0), EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .batchSize(8).learningRate(lr).warmupRatio(0).seed(3).outputDir(out).checkpointEvery(1)
        .evalEvery(-1).listener(TrainingListener.messagesTo(new PrintStream(log, true, StandardCharsets.UTF_8)::println));
  }

  private static boolean allFinite(Path safetensors) throws Exception {
    for (Tensor t : SafeTensors.read(safetensors).values()) {
      for (float v : t.toFloatArray()) if (!Float.isFinite(v)) return false;
    }
    return true;
  }

  @Test
  void aHugeLearningRateStopsAsDivergedAndLeavesNoCheckpointOfDivergedWeights() throws Exception {
    Path out = dir.resolve("lr");
    var e = assertThrows(Trainer.DivergedException.class, () -> run(out, 1e30f, 1).maxSteps(6).build().fit());
    assertTrue(e.getMessage().contains("diverged") && e.getMessage().contains("no checkpoint was written yet"), e.getMessage());
    try (Stream<Path> s = Files.list(out)) {
      List<String> names = s.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.stream().noneMatch(n -> n.startsWith("checkpoint-") || n.endsWith(".tmp")), names.toString());
    }
  }

  @Test
  void divergenceAfterGoodStepsNamesTheLastGoodCheckpointAndResumeTakesIt() throws Exception {
    Path out = dir.resolve("late");
    int[] calls = {0};
    // steps 1-3 train normally; from step 4 the loss is still finite but its gradient is NaN: √(0·L) is 0, its derivative infinite
    EncoderLoss<PromptedText> exploding = (model, columns, labels, random) -> {
      Tensor loss = EncoderLoss.<PromptedText>of(new MultipleNegativesRankingLoss()).forward(model, columns, labels, random);
      return ++calls[0] >= 4 ? loss.add(loss.mul(0f).sqrt()) : loss;
    };
    var t = Trainer.builder().model(new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 2)))
        .task("retrieval", TrainerTest.pairs("retrieval", 64, 0), exploding).batchSize(8).seed(3)
        .outputDir(out).checkpointEvery(1).evalEvery(-1).listener(TrainingListener.messagesTo(new PrintStream(log, true, StandardCharsets.UTF_8)::println)).maxSteps(6).build();
    var e = assertThrows(Trainer.DivergedException.class, t::fit);
    assertTrue(e.getMessage().contains("step 4") && e.getMessage().contains("checkpoint-3")
        && e.getMessage().contains("gradient norm"), e.getMessage());
    assertTrue(allFinite(out.resolve("checkpoint-3").resolve("model").resolve("model.safetensors")));
    assertFalse(Files.exists(out.resolve("checkpoint-4")));
  }

  @Test
  void skipModeSkipsANonFiniteStepWithoutUpdatingAndLogsIt() throws Exception {
    Path out = dir.resolve("skip");
    int[] calls = {0};
    EncoderLoss<PromptedText> once = (model, columns, labels, random) -> {
      Tensor loss = EncoderLoss.<PromptedText>of(new MultipleNegativesRankingLoss()).forward(model, columns, labels, random);
      return ++calls[0] == 2 ? loss.mul(Float.NaN) : loss;
    };
    Trainer.Result r = Trainer.builder().model(new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 4)))
        .task("retrieval", TrainerTest.pairs("retrieval", 64, 0), once).batchSize(8).seed(3).outputDir(out)
        .evalEvery(-1).onNonFinite(Trainer.OnNonFinite.SKIP).maxSteps(4).listener(TrainingListener.messagesTo(new PrintStream(log, true, StandardCharsets.UTF_8)::println))
        .build().fit();
    assertEquals(4, r.steps());
    List<Map<String, Object>> m = MetricsLog.read(out.resolve("metrics.jsonl"));
    assertEquals(4, m.size());
    assertTrue(m.get(1).containsKey("skipped") && !m.get(1).containsKey("loss/retrieval"), m.get(1).toString());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("step 2 skipped"), log.toString(StandardCharsets.UTF_8));
    assertTrue(allFinite(out.resolve("final").resolve("model.safetensors")));
  }

  @Test
  void anInfiniteLearningRateIsRefusedBeforeTraining() throws Exception {
    var e = assertThrows(IllegalArgumentException.class, () -> run(dir.resolve("inf"), (float) 1e60, 1).maxSteps(2).build());
    assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
  }

  @Test
  void resumeSkipsATruncatedNewestCheckpointClearsLeftoversAndDropsATornMetricsLine() throws Exception {
    Path out = dir.resolve("resume");
    run(out, 1e-3f, 5).maxSteps(3).keepCheckpoints(3).build().fit();
    Path opt = out.resolve("checkpoint-3").resolve(Checkpoint.OPTIMIZER);
    try (FileChannel ch = FileChannel.open(opt, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
    Files.createDirectories(out.resolve(".checkpoint-9.tmp").resolve("model"));
    Files.writeString(out.resolve("metrics.jsonl"), "{\"step\": 4, \"lo", StandardOpenOption.APPEND);
    log.reset();
    Trainer.Result r = run(out, 1e-3f, 5).maxSteps(4).keepCheckpoints(3).resumeFrom(out).build().fit();
    String said = log.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("skipped checkpoint-3") && said.contains("optimizer.safetensors"), said);
    assertTrue(said.contains("resumed from " + out.resolve("checkpoint-2")), said);
    assertTrue(said.contains("removed .checkpoint-9.tmp"), said);
    assertTrue(said.contains("dropped its last line"), said);
    assertFalse(Files.exists(out.resolve(".checkpoint-9.tmp")));
    assertEquals(4, r.steps());
    List<Map<String, Object>> m = MetricsLog.read(out.resolve("metrics.jsonl"));
    assertEquals(List.of(1, 2, 3, 4), m.stream().map(x -> ((Number) x.get("step")).intValue()).toList());
  }

  @Test
  void resumeFromANamedCheckpointWithNonFiniteWeightsSaysWhy() throws Exception {
    Path out = dir.resolve("named");
    run(out, 1e-3f, 6).maxSteps(1).build().fit();
    Path ckpt = out.resolve("checkpoint-1");
    Path weights = ckpt.resolve("model").resolve("model.safetensors");
    Map<String, Tensor> w = SafeTensors.read(weights);
    String first = w.keySet().iterator().next();
    float[] v = w.get(first).toFloatArray();
    v[0] = Float.NaN;
    w.put(first, Tensor.of(v, w.get(first).shape()));
    SafeTensors.write(weights, w, Map.of());
    var e = assertThrows(IllegalArgumentException.class, () -> run(out, 1e-3f, 6).maxSteps(2).resumeFrom(ckpt).build().fit());
    assertTrue(e.getMessage().contains(first) && e.getMessage().contains("NaN"), e.getMessage());
  }
}
