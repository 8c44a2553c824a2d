package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trainer.builder().model(encoder).task(name, dataset, loss) with the arguments as one record. */
class TrainerWithoutWrappersTest {
  @TempDir Path dir;

  static SentenceEncoder encoder() throws Exception {
    return TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 11);
  }

  @Test
  void anEncoderAndAnEmbeddingLossTrainAsTheWrappedFormsDo() throws Exception {
    TrainingArguments args = TrainingArguments.defaults().withBatchSize(8).withMaxSteps(4).withLearningRate(1e-3f).withSeed(3)
        .withEvalEvery(-1).withOutputDir(dir.resolve("plain"));
    SentenceEncoder plain = encoder();
    float[] before = plain.encode("what is a cat number 1");
    Trainer.Result a = Trainer.builder().model(plain).task("retrieval", TrainerTest.pairs("retrieval", 32, 0), new MultipleNegativesRankingLoss())
        .args(args).build().fit();
    SentenceEncoder wrapped = encoder();
    Trainer.Result b = Trainer.builder().model(new EncoderTrainable(wrapped))
        .task("retrieval", TrainerTest.pairs("retrieval", 32, 0), EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .args(args.withOutputDir(dir.resolve("wrapped"))).build().fit();
    assertEquals(4, a.steps());
    assertEquals(b.lastLoss(), a.lastLoss());
    // training updated the encoder's own weights
    assertFalse(Arrays.equals(before, plain.encode("what is a cat number 1")));
    assertTrue(Arrays.equals(wrapped.encode("what is a cat number 1"), plain.encode("what is a cat number 1")));
    assertTrue(Files.exists(dir.resolve("plain").resolve("final").resolve("model.safetensors")));
  }

  @Test
  void theArgumentsAreOneImmutableValue() {
    TrainingArguments d = TrainingArguments.defaults();
    assertEquals(32, d.batchSize());
    assertEquals(5e-5f, d.learningRate());
    assertEquals(0.1f, d.warmupRatio());
    TrainingArguments changed = d.withEpochs(3).withSampler(MultiDatasetBatchSampler.Mode.ROUND_ROBIN).withCheckpointEvery(100)
        .withKeepCheckpoints(1).withWeightDecay(0f).withMaxGradNorm(0f).withNoDuplicates(false).withEvalAtStart(true)
        .withOnNonFinite(Trainer.OnNonFinite.SKIP).withWarmupRatio(0f);
    assertEquals(1, d.epochs(), "a copy, never the original, changes");
    assertEquals(changed, Trainer.builder().args(changed).args());
    assertEquals(d, Trainer.builder().args(), "the builder starts from the defaults");
    assertEquals(List.of(3, 100, 1), List.of(changed.epochs(), changed.checkpointEvery(), changed.keepCheckpoints()));
    var e = assertThrows(IllegalArgumentException.class, () -> d.withSampler(null));
    assertTrue(e.getMessage().contains("sampler"), e.getMessage());
  }
}
