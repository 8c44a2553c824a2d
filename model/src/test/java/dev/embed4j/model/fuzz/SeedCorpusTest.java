package dev.embed4j.model.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.io.SafeTensors;
import dev.embed4j.model.onnx.OnnxGraph;
import dev.embed4j.model.train.TrainConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The committed seed corpus of {@link ParserFuzzTest}: every target has seeds, and every seed is a valid
 * input (a seed that failed to load would start the fuzzer from an error path). With
 * {@code -Dembed4j.fuzz.writeSeeds=model/src/test/resources} the seeds are written anew from
 * {@link FuzzFixtures}.
 */
class SeedCorpusTest {
  private static final Path INPUTS = Path.of("src/test/resources/dev/embed4j/model/fuzz/ParserFuzzTestInputs");

  static Map<String, Map<String, byte[]>> seeds() throws IOException {
    Path model = FuzzFixtures.modelFolder();
    Map<String, Map<String, byte[]>> s = new LinkedHashMap<>();
    s.put("safetensors", Map.of("seed-tiny-bert.safetensors", Files.readAllBytes(model.resolve("model.safetensors"))));
    s.put("configJson", Map.of("seed-config.json", Files.readAllBytes(model.resolve("config.json"))));
    s.put("modulesJson", Map.of("seed-modules.json", Files.readAllBytes(model.resolve("modules.json"))));
    s.put("poolingConfig", Map.of("seed-pooling.json", Files.readAllBytes(model.resolve("1_Pooling/config.json"))));
    s.put("tokenizerJson", Map.of("seed-tokenizer.json", Files.readAllBytes(model.resolve("tokenizer.json"))));
    s.put("onnx", Map.of("seed-small-graph.onnx", FuzzFixtures.onnxSmallGraph(), "seed-bert-names.onnx", FuzzFixtures.onnxBertNames()));
    s.put("jsonl", Map.of("seed.jsonl", utf8(FuzzFixtures.JSONL)));
    s.put("csv", Map.of("seed.csv", utf8(FuzzFixtures.CSV)));
    s.put("tsv", Map.of("seed.tsv", utf8(FuzzFixtures.TSV)));
    s.put("trainConfigYaml", Map.of("seed-train.yaml", utf8(FuzzFixtures.TRAIN_YAML)));
    s.put("trainConfigJson", Map.of("seed-train.json", utf8(FuzzFixtures.TRAIN_JSON)));
    return s;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @EnabledIfSystemProperty(named = "embed4j.fuzz.writeSeeds", matches = ".+")
  void writeSeeds() throws IOException {
    Path root = Path.of(System.getProperty("embed4j.fuzz.writeSeeds")).toAbsolutePath()
        .resolve("dev/embed4j/model/fuzz/ParserFuzzTestInputs");
    for (var t : seeds().entrySet()) {
      Path dir = Files.createDirectories(root.resolve(t.getKey()));
      for (var f : t.getValue().entrySet()) Files.write(dir.resolve(f.getKey()), f.getValue());
    }
  }

  @Test
  void everyTargetHasItsSeedsCommitted() throws IOException {
    for (var t : seeds().entrySet()) {
      for (String name : t.getValue().keySet()) {
        assertTrue(Files.isRegularFile(INPUTS.resolve(t.getKey()).resolve(name)), t.getKey() + "/" + name + " is missing");
      }
    }
  }

  @Test
  void everySeedLoads() throws Exception {
    Path dir = Files.createTempDirectory("embed4j-seeds");
    Path st = dir.resolve("m.safetensors");
    Files.write(st, Files.readAllBytes(INPUTS.resolve("safetensors/seed-tiny-bert.safetensors")));
    assertEquals(21, SafeTensors.read(st).size()); // 5 embedding tensors, 16 of the one layer

    for (String target : List.of("configJson", "modulesJson", "poolingConfig", "tokenizerJson")) {
      Path model = FuzzFixtures.copyOfModelFolder();
      String file = switch (target) {
        case "configJson" -> "config.json";
        case "modulesJson" -> "modules.json";
        case "poolingConfig" -> "1_Pooling/config.json";
        default -> "tokenizer.json";
      };
      try (var seeds = Files.list(INPUTS.resolve(target))) {
        for (Path seed : seeds.filter(p -> p.getFileName().toString().startsWith("seed")).toList()) {
          Files.copy(seed, model.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          float[][] e = SentenceEncoder.load(model).encode(FuzzFixtures.TEXTS);
          assertEquals(8, e[0].length, seed.toString());
        }
      }
    }

    OnnxGraph small = OnnxGraph.parse(ByteBuffer.wrap(Files.readAllBytes(INPUTS.resolve("onnx/seed-small-graph.onnx"))), "s");
    assertEquals(6, small.initializer("w").toFloats().length);
    assertEquals(4, small.initializer("packed").toFloats().length);
    assertEquals(2, small.initializer("unpacked").toFloats().length);
    assertEquals(-1L, small.initializer("shape").toLongs()[1]);
    assertEquals(0.5f, small.initializer("c").toFloats()[0]);
    assertFalse(OnnxGraph.parse(ByteBuffer.wrap(Files.readAllBytes(INPUTS.resolve("onnx/seed-bert-names.onnx"))), "b")
        .initializers().isEmpty());

    for (String ext : List.of("jsonl", "csv", "tsv")) {
      Path f = dir.resolve("d." + ext);
      Files.copy(INPUTS.resolve(ext).resolve("seed." + ext), f);
      assertEquals(ext.equals("tsv") ? 2 : 3, DatasetReader.read(f, null).size(), ext);
    }
    Files.writeString(dir.resolve("train.jsonl"), FuzzFixtures.TRAIN_DATA);
    for (String seed : List.of("trainConfigYaml/seed-train.yaml", "trainConfigJson/seed-train.json")) {
      Path f = dir.resolve(Path.of(seed).getFileName());
      Files.copy(INPUTS.resolve(seed), f);
      TrainConfig c = assertDoesNotThrow(() -> TrainConfig.read(f));
      assertFalse(c.tasks.isEmpty());
    }
  }
}
