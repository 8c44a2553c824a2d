package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.GPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import dev.embed4j.model.train.EncoderTrainable;
import dev.embed4j.model.train.Trainer;
import dev.embed4j.model.train.TrainingListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole training steps on cuda:0 against the same run on the CPU: a small BERT (2 layers, width 48, random
 * weights), MultipleNegativesSymmetricRankingLoss, AdamW, clipping at norm 1 and dropout 0.1, through the
 * {@link Trainer} as an application runs it. Dropout is on because its masks are a function of the seed
 * and the element index on both backends (elementwise.cu's e4j_dropout is {@code Generator.uniform}).
 *
 * <p>Checks: the loss of each of three steps within 1e-4 of the CPU's; every final parameter within 1e-4
 * and on the GPU; the GPU's total update (final − initial weights) within 5% of the CPU's in L2, so that a
 * GPU that updated nothing could not pass on the 1e-4 bound alone; and a run resumed on the GPU from the
 * checkpoint the GPU run wrote after step 2 (weights and AdamW moments read to the host, then put back on
 * the device) reaching the CPU's step-3 loss and weights.
 *
 * <p>Why the learning rate is 2e-5: Adam moves a parameter by about lr whatever the size of its gradient,
 * so where a gradient is near 0 and the two backends' summation orders give it opposite signs, the two
 * runs part by up to 2·lr per step; at 2e-5 (a usual fine-tuning rate) three steps stay under 1e-4.
 */
class CudaTrainingTest {
  static final BertConfig TINY = new BertConfig(101, 48, 2, 4, 96, BertConfig.Activation.GELU, 0.1f, 0.1f, 40, 2, 1e-12f, 0);
  static final String[] WORDS = {"cat", "dog", "house", "river", "tree", "car", "bread", "music", "stone", "cloud",
      "apple", "chair", "window", "garden", "ocean", "mountain", "book", "lamp", "road", "bird", "fish", "coffee", "snow",
      "paper", "glass", "horse", "bridge", "train", "flower", "clock", "shoe", "hat"};

  @TempDir Path dir;

  @BeforeAll
  static void gpu() {
    CudaBackend b = GpuTestSupport.gpuOrNull();
    if (b != null) b.setMatmulPrecision(MatmulPrecision.FP32);
  }

  /** A vocabulary of the special tokens, the test's words, digits and digit pieces, padded to the config's size. */
  static WordPieceTokenizer tokenizer(Path dir) throws IOException {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "what", "is", "a", "number",
        "described", "here"));
    vocab.addAll(List.of(WORDS));
    for (int d = 0; d < 10; d++) {
      vocab.add(String.valueOf(d));
      vocab.add("##" + d);
    }
    while (vocab.size() < TINY.vocabSize()) vocab.add("[unused" + vocab.size() + "]");
    Path file = dir.resolve("vocab.txt");
    Files.write(file, vocab);
    return WordPieceTokenizer.fromVocab(file, true);
  }

  static EncoderTrainable encoder(WordPieceTokenizer tok, long seed, Device device) {
    return new EncoderTrainable(new SentenceEncoder(tok, BertModel.randomInit(TINY, seed), Pooling.mean(), true, 32, Map.of(),
        null, SimilarityFunction.COSINE).withDevice(device));
  }

  static Dataset pairs(int n) {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String w = WORDS[i % WORDS.length];
      rows.add(List.of("what is a " + w + " number " + i, "a " + w + " is described here " + i));
    }
    return Dataset.of("pairs", List.of("anchor", "positive"), rows);
  }

  static Trainer.Builder trainer(EncoderTrainable m, Path out) {
    return trainer(m, out, new ByteArrayOutputStream());
  }

  static Trainer.Builder trainer(EncoderTrainable m, Path out, ByteArrayOutputStream log) {
    return Trainer.builder().model(m).task("pairs", pairs(24), EncoderLoss.of(new MultipleNegativesSymmetricRankingLoss()))
        .batchSize(8).maxSteps(3).learningRate(2e-5f).warmupRatio(0f).maxGradNorm(1f).seed(5)
        .evalEvery(-1).outputDir(out).checkpointEvery(2).listener(TrainingListener.messagesTo(new PrintStream(log, true)::println));
  }

  static List<Double> losses(Trainer.Result r) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Object> rec : r.history()) out.add(((Number) rec.get("loss/pairs")).doubleValue());
    return out;
  }

  static Map<String, float[]> weights(EncoderTrainable m, Device expected) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (var e : m.namedParameters().entrySet()) {
      assertEquals(expected, e.getValue().device(), e.getKey());
      out.put(e.getKey(), e.getValue().toFloatArray());
    }
    return out;
  }

  static void assertWeightsClose(String what, Map<String, float[]> expected, Map<String, float[]> actual) {
    for (var e : expected.entrySet()) GpuTestSupport.assertClose(what + ", " + e.getKey(), e.getValue(), actual.get(e.getKey()), 1e-4, 0);
  }

  static void assertLossesClose(String what, List<Double> expected, List<Double> actual) {
    assertEquals(expected.size(), actual.size(), what + ": steps");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), actual.get(i), 1e-4, what + ": loss of step " + (i + 1) + " (cpu " + expected + ")");
    }
  }

  @Test
  void threeStepsOnTheGpuFollowTheCpuAndResumeFromAGpuCheckpoint() throws IOException {
    WordPieceTokenizer tok = tokenizer(dir);
    EncoderTrainable cpu = encoder(tok, 7, Device.CPU);
    Map<String, float[]> initial = weights(cpu, Device.CPU);

    // the CPU half, which runs without a GPU too: the reference run and its metrics (the library draws no plot)
    List<Double> cpuLosses = losses(trainer(cpu, dir.resolve("cpu")).build().fit());
    assertEquals(3, cpuLosses.size(), "cpu losses " + cpuLosses);
    for (double l : cpuLosses) assertTrue(Double.isFinite(l) && l > 0, "cpu losses " + cpuLosses);
    assertEquals(3, Files.readAllLines(dir.resolve("cpu").resolve("metrics.jsonl")).size(), "metrics.jsonl lines");
    assertTrue(Files.isDirectory(dir.resolve("cpu").resolve("checkpoint-2")), "the step-2 checkpoint");
    assertTrue(!Files.exists(dir.resolve("cpu").resolve("metrics.png")), "the trainer draws no plot; the application does");

    GpuTestSupport.assumeGpu();
    EncoderTrainable gpu = encoder(tok, 7, GPU);
    List<Double> gpuLosses = losses(trainer(gpu, dir.resolve("gpu")).build().fit());
    assertLossesClose("cuda:0 against the cpu", cpuLosses, gpuLosses);
    Map<String, float[]> cpuFinal = weights(cpu, Device.CPU), gpuFinal = weights(gpu, GPU);
    assertWeightsClose("final weights on cuda:0", cpuFinal, gpuFinal);

    double diff = 0, moved = 0;
    for (var e : initial.entrySet()) {
      float[] w0 = e.getValue(), c = cpuFinal.get(e.getKey()), g = gpuFinal.get(e.getKey());
      for (int i = 0; i < w0.length; i++) {
        double dc = c[i] - w0[i], dg = g[i] - w0[i];
        diff += (dg - dc) * (dg - dc);
        moved += dc * dc;
      }
    }
    assertTrue(moved > 0, "the cpu run moved no weight");
    assertTrue(Math.sqrt(diff) <= 0.05 * Math.sqrt(moved), "the updates differ by " + Math.sqrt(diff / moved) + " of the cpu's");

    // other initial weights, resumed on the GPU from the GPU run's step-2 checkpoint: step 3 is the CPU's
    EncoderTrainable resumed = encoder(tok, 99, GPU);
    Trainer.Result rest = trainer(resumed, dir.resolve("resumed")).resumeFrom(dir.resolve("gpu").resolve("checkpoint-2"))
        .build().fit();
    assertLossesClose("resumed on cuda:0", cpuLosses.subList(2, 3), losses(rest));
    assertWeightsClose("weights resumed on cuda:0", cpuFinal, weights(resumed, GPU));
  }
}
