package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.CachedMultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.CoSENTLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.model.ProxiedCpuBackendProvider;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.eval.EmbeddingSimilarityEvaluator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training with the model on a device that is not the host, without a GPU: the device is the CPU backend
 * behind a proxy ({@link ProxiedCpuBackendProvider}), so every host tensor that meets the model's, and every
 * host storage handed to its backend, fails as it would on CUDA, while the arithmetic stays the CPU's to
 * the bit. A run there must therefore take exactly the plain CPU run's path: the same loss, gradient norm
 * and evaluation at every step, the same checkpoint and model files, and the same path again when resumed
 * from a checkpoint written on the device. Dropout is on (the masks depend on the seed and the element
 * index only), and the tasks cover the plain, the cached (GradCache) and a labelled loss.
 */
class TrainingOnADeviceTest {
  static final Device DEVICE = ProxiedCpuBackendProvider.DEVICE;

  @TempDir Path dir;

  private static EncoderTrainable model(long seed, Device device) throws Exception {
    return new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, seed).withDevice(device));
  }

  private static Dataset graded(int n) {
    List<List<?>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) rows.add(List.of("a sentence about thing " + i, "another one on thing " + (i * 7 % n), (i % 5) / 4.0));
    return Dataset.of("graded", List.of("sentence1", "sentence2", "score"), rows);
  }

  private Trainer.Builder run(EncoderTrainable m, Path out) {
    var sts = new EmbeddingSimilarityEvaluator("sts", List.of("a cat", "a river bank", "the stone", "music at night"),
        List.of("a kitten", "money in a bank", "a rock", "a song"), new double[] {0.9, 0.2, 0.7, 0.5}, "");
    return Trainer.builder().model(m)
        .task("retrieval", TrainerTest.pairs("retrieval", 24, 0), EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .task("symmetric", TrainerTest.pairs("symmetric", 16, 5),
            new CachedMultipleNegativesSymmetricRankingLoss<>(new MultipleNegativesSymmetricRankingLoss(), 3))
        .task("graded", graded(16), EncoderLoss.of(new CoSENTLoss()))
        .prompts(Prompts.none().datasetColumn("retrieval", "anchor", "query: "))
        .sampler(dev.embed4j.model.data.MultiDatasetBatchSampler.Mode.ROUND_ROBIN)
        .batchSize(8).maxSteps(6).learningRate(1e-3f).seed(3).outputDir(out).checkpointEvery(3)
        .evaluation("sts", sts::evaluate).evalAtStart(true).evalEvery(3);
  }

  /** Every logged number but the wall-clock rate. */
  private static List<Map<String, Object>> numbers(List<Map<String, Object>> history) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> rec : history) {
      Map<String, Object> m = new java.util.TreeMap<>(rec);
      m.remove("samples_per_second");
      out.add(m);
    }
    return out;
  }

  private static void assertSameWeights(EncoderTrainable expected, EncoderTrainable actual, Device device) {
    for (var e : expected.namedParameters().entrySet()) {
      Tensor a = actual.namedParameters().get(e.getKey());
      assertEquals(device, a.device(), e.getKey());
      assertArrayEquals(e.getValue().toFloatArray(), a.toFloatArray(), e.getKey());
    }
  }

  @Test
  void aRunOnTheDeviceTakesExactlyTheCpuRunsPathAndResumesOnIt() throws Exception {
    EncoderTrainable cpu = model(1, Device.CPU), onDevice = model(1, DEVICE);
    assertEquals(DEVICE, onDevice.encoder().device());
    Trainer.Result expected = run(cpu, dir.resolve("cpu")).build().fit();
    Trainer.Result actual = run(onDevice, dir.resolve("device")).build().fit();

    assertEquals(6, actual.steps());
    assertEquals(numbers(expected.history()), numbers(actual.history()));
    assertTrue(actual.history().get(0).containsKey("eval_sts_spearman_cosine"), "evaluated before the first step");
    assertSameWeights(cpu, onDevice, DEVICE);
    for (String file : List.of("final/model.safetensors", "checkpoint-3/model/model.safetensors",
        "checkpoint-6/optimizer.safetensors", "checkpoint-6/trainer_state.json")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("cpu").resolve(file)), Files.readAllBytes(dir.resolve("device").resolve(file)),
          file + " written from the device");
    }

    // other initial weights, resumed on the device from its own step-3 checkpoint: the weights and AdamW's
    // moments are read to the host and must land on the device, and the rest of the path is the CPU run's
    EncoderTrainable resumed = model(99, DEVICE);
    Trainer.Result rest = run(resumed, dir.resolve("resumed")).resumeFrom(dir.resolve("device").resolve("checkpoint-3"))
        .build().fit();
    assertEquals(6, rest.steps());
    List<Map<String, Object>> tail = numbers(expected.history()).stream()
        .filter(m -> ((Number) m.get("step")).intValue() > 3).toList();
    assertEquals(tail, numbers(rest.history()));
    assertSameWeights(cpu, resumed, DEVICE);
  }

  @Test
  void embeddingsOnTheDeviceEqualTheCpusAndComeBackAsHostArrays() throws Exception {
    EncoderTrainable cpu = model(4, Device.CPU), onDevice = model(4, DEVICE);
    List<String> texts = List.of("a cat", "a rather longer sentence about a river", "x");
    float[][] want = cpu.textEmbedder().embed(texts, "query: "), got = onDevice.textEmbedder().embed(texts, "query: ");
    for (int i = 0; i < want.length; i++) assertArrayEquals(want[i], got[i], "text " + i);
  }
}
