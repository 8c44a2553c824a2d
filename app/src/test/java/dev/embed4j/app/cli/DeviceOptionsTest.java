package dev.embed4j.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.model.ProxiedCpuBackendProvider;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} and {@code --precision} of encode, eval, train and demo, and {@code device:} in a train
 * config. Without the native module on the class path, cuda is refused with the device and the module named,
 * before any model or data loads; the proxied CPU device of the tests stands in for a GPU where one is used.
 */
class DeviceOptionsTest {
  @TempDir Path dir;

  private static CliRun main(String... args) {
    return CliRun.of(args);
  }

  @Test
  void theOptionsParseAndWrongValuesNameTheOption() {
    assertEquals(Device.cuda(1), DeviceOptions.device("--device", "cuda:1"));
    assertEquals(Device.cuda(0), DeviceOptions.device("--device", "CUDA"));
    assertEquals(Device.CPU, DeviceOptions.device("--device", "cpu"));
    assertEquals("tf32", DeviceOptions.precision("--precision", "TF32"));
    assertEquals("bf16", DeviceOptions.precision("--precision", " bf16"));
    for (String bad : List.of("cuda:first", "cuda:-1", "", "cuda:1:2")) {
      var e = assertThrows(Main.UsageException.class, () -> DeviceOptions.device("--device", bad));
      assertTrue(e.getMessage().startsWith("--device needs cpu, cuda or cuda:N, got '" + bad + "'"), e.getMessage());
    }
    for (String[] args : List.of(new String[] {"train", "x.yaml", "--device", "gpu:zero"},
        new String[] {"demo", "--device", "cuda:"}, new String[] {"eval", "--data", "x", "--device", ":1"},
        new String[] {"encode", "--device", "cuda:x", "t"})) {
      CliRun r = main(args);
      assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().contains("--device needs cpu, cuda or cuda:N"), r.err());
    }
    for (String[] args : List.of(new String[] {"demo", "--precision", "fp16"}, new String[] {"encode", "--precision", "fp16", "t"},
        new String[] {"train", "x.yaml", "--precision", "fp16"})) {
      CliRun r = main(args);
      assertEquals(2, r.status(), args[0] + ": " + r.err());
      assertTrue(r.err().contains("--precision needs fp32, tf32 or bf16, got 'fp16'"), r.err());
    }
    CliRun tf32OnCpu = main("demo", "--precision", "tf32");
    assertEquals(2, tf32OnCpu.status());
    assertTrue(tf32OnCpu.err().contains("precision tf32 is for CUDA devices, and the device is cpu"), tf32OnCpu.err());
  }

  @Test
  void everyCommandsHelpDescribesTheOptions() {
    for (String command : List.of("encode", "eval", "train", "demo")) {
      CliRun r = main(command, "--help");
      assertEquals(0, r.status());
      assertTrue(r.out().contains("--device D") && r.out().contains("cuda:N") && r.out().contains("--precision P")
          && r.out().contains("tf32"), command + ":\n" + r.out());
    }
  }

  @Test
  void cudaWithoutTheNativeModuleIsRefusedNamingTheDeviceBeforeAnythingLoads() throws Exception {
    Path config = dir.resolve("train.yaml");
    // the model and the data do not exist: the device must be refused before they are looked for
    Files.writeString(config, "model: %s\ndatasets:\n  - {path: %s, loss: MultipleNegativesRankingLoss}\n"
        .formatted(dir.resolve("no-model"), writePairs(8)));
    for (String[] args : List.of(new String[] {"train", config.toString(), "--device", "cuda:1"},
        new String[] {"demo", "--device", "cuda:1", "--model", dir.resolve("no-model").toString()},
        new String[] {"eval", "--data", "missing.jsonl", "--device", "cuda:1"},
        new String[] {"encode", "--model", dir.resolve("no-model").toString(), "--device", "cuda:1", "t"})) {
      CliRun r = main(args);
      assertEquals(1, r.status(), args[0] + ": " + r.err());
      assertTrue(r.err().contains("device cuda:1") && r.err().contains("no backend for 'cuda'") && r.err().contains("embed4j-native"),
          args[0] + ": " + r.err());
    }
    Files.writeString(config, Files.readString(config) + "device: cuda\n");
    CliRun r = main("train", config.toString());
    assertTrue(r.status() == 1 && r.err().contains("device cuda:0") && r.err().contains("embed4j-native"), r.err());
  }

  @Test
  void aWrongDeviceOrPrecisionInTheConfigNamesTheKey() throws Exception {
    Path config = dir.resolve("bad.json");
    String data = writePairs(8).toString().replace("\\", "\\\\");
    Files.writeString(config, "{\"datasets\": [{\"path\": \"" + data + "\", \"loss\": \"CoSENTLoss\"}], \"device\": \"cuda:one\"}");
    CliRun r = main("train", config.toString());
    assertTrue(r.status() == 1 && r.err().contains("'device' must be cpu, cuda or cuda:N, got 'cuda:one'"), r.err());
    Files.writeString(config, "{\"datasets\": [{\"path\": \"" + data + "\", \"loss\": \"CoSENTLoss\"}], \"precision\": \"fp16\"}");
    r = main("train", config.toString());
    assertTrue(r.status() == 1 && r.err().contains("'precision' must be fp32, tf32 or bf16, got 'fp16'"), r.err());
  }

  @Test
  void trainAndEncodeRunOnTheDeviceTheConfigOrTheOptionNames() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 3);
    Path model = dir.resolve("model");
    enc.save(model);
    Path config = dir.resolve("train.yaml");
    String body = """
        model: %s
        datasets:
          - {name: retrieval, path: %s, loss: MultipleNegativesSymmetricRankingLoss}
        batch_size: 4
        max_steps: 2
        max_seq_length: 16
        """.formatted(model, writePairs(8));
    Files.writeString(config, body + "output: " + dir.resolve("by-config") + "\ndevice: " + ProxiedCpuBackendProvider.KIND + "\n");
    CliRun byConfig = main("train", config.toString());
    assertEquals(0, byConfig.status(), byConfig.err());
    assertTrue(byConfig.out().contains("training on " + ProxiedCpuBackendProvider.DEVICE), byConfig.out());

    CliRun onCpu = main("train", config.toString(), "--device", "cpu", "--output", dir.resolve("on-cpu").toString());
    assertEquals(0, onCpu.status(), onCpu.err());
    assertTrue(!onCpu.out().contains("training on"), onCpu.out());
    assertArrayEquals(Files.readAllBytes(dir.resolve("on-cpu/final/model.safetensors")),
        Files.readAllBytes(dir.resolve("by-config/final/model.safetensors")));

    CliRun encoded = main("encode", "--model", model.toString(), "--device", ProxiedCpuBackendProvider.KIND, "a cat");
    CliRun encodedOnCpu = main("encode", "--model", model.toString(), "a cat");
    assertEquals(0, encoded.status(), encoded.err());
    assertEquals(encodedOnCpu.out(), encoded.out());
  }

  private Path writePairs(int n) throws Exception {
    StringBuilder sb = new StringBuilder();
    String[] w = {"cat", "dog", "tree", "river", "stone", "cloud", "bread", "lamp"};
    for (int i = 0; i < n; i++) {
      sb.append("{\"anchor\": \"what is a ").append(w[i % w.length]).append(' ').append(i)
          .append("\", \"positive\": \"a ").append(w[i % w.length]).append(" described ").append(i).append("\"}\n");
    }
    Path p = dir.resolve("pairs.jsonl");
    Files.writeString(p, sb);
    return p;
  }
}
