package dev.embed4j.model.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.bert.ModelConfigException;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.io.SafeTensors;
import dev.embed4j.model.io.SafeTensorsException;
import dev.embed4j.model.onnx.OnnxBertImporter;
import dev.embed4j.model.onnx.OnnxFormatException;
import dev.embed4j.model.onnx.OnnxGraph;
import dev.embed4j.model.tokenizer.TokenizerFormatException;
import dev.embed4j.model.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Coverage-guided fuzz tests (Jazzer) of every file embed4j parses. Each target holds the parser to
 * {@link FuzzContract}: load, or throw the project's own exception naming the file.
 *
 * <p>In a plain {@code mvn test} (CI) each target runs only its inputs under
 * {@code src/test/resources/dev/embed4j/model/fuzz/ParserFuzzTestInputs/<target>/}: the seeds
 * ({@code seed-*}, written by {@link SeedCorpusTest}) and the regression inputs of past findings. A fuzzing
 * session runs one target at a time (Jazzer fuzzes the first fuzz test a JVM reaches):
 *
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=10m ./embed4j test -pl model -am -Dtest='ParserFuzzTest#csv' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * A finding is written beside the seeds as {@code crash-<sha1>} (rename it to say what it found) and fails
 * the run (a JUnit {@code @Timeout} is not used: Jazzer would apply it to the whole session; libFuzzer's
 * own per-input timeout reports a hang); the corpus that grows while fuzzing stays in {@code model/.cifuzz-corpus} (ignored by git).
 */
class ParserFuzzTest {
  private static final Set<Class<? extends Exception>> MODEL_ERRORS = Set.of(ModelConfigException.class,
      SafeTensorsException.class, TokenizerFormatException.class, NoSuchFileException.class);
  private static final Set<Class<? extends Exception>> DATASET_ERRORS = Set.of(IllegalArgumentException.class,
      UncheckedIOException.class);
  private static final Set<Class<? extends Exception>> TRAIN_CONFIG_ERRORS = Set.of(TrainConfig.ConfigException.class,
      IllegalArgumentException.class, UncheckedIOException.class);
  private static final Map<String, Path> WORK = new HashMap<>();

  /** A folder of this target's own, created once per JVM; for model targets a copy of the tiny model folder. */
  private static synchronized Path work(String target, boolean model) throws IOException {
    Path p = WORK.get(target);
    if (p == null) {
      p = model ? FuzzFixtures.copyOfModelFolder() : Files.createTempDirectory("embed4j-fuzz-" + target);
      WORK.put(target, p);
    }
    return p;
  }

  @FuzzTest(maxDuration = "60s")
  void safetensors(byte[] data) throws IOException {
    Path file = work("safetensors", false).resolve("model.safetensors");
    Files.write(file, data);
    FuzzContract.loadsOrNamesTheFile(file.toString(), Set.of(SafeTensorsException.class), () -> {
      Map<String, Tensor> t = SafeTensors.read(file);
      for (Tensor x : t.values()) x.toFloatArray();
    });
  }

  @FuzzTest(maxDuration = "60s")
  void configJson(byte[] data) throws IOException {
    modelFile("configJson", "config.json", data);
  }

  @FuzzTest(maxDuration = "60s")
  void modulesJson(byte[] data) throws IOException {
    modelFile("modulesJson", "modules.json", data);
  }

  @FuzzTest(maxDuration = "60s")
  void poolingConfig(byte[] data) throws IOException {
    modelFile("poolingConfig", "1_Pooling/config.json", data);
  }

  @FuzzTest(maxDuration = "60s")
  void tokenizerJson(byte[] data) throws IOException {
    modelFile("tokenizerJson", "tokenizer.json", data);
  }

  /** Replaces one file of a tiny model folder, loads the folder and, when it loads, encodes a few texts. */
  private static void modelFile(String target, String name, byte[] data) throws IOException {
    Path dir = work(target, true);
    Files.write(dir.resolve(name), data);
    FuzzContract.loadsOrNamesTheFile(dir.toString(), MODEL_ERRORS, () -> {
      SentenceEncoder enc = SentenceEncoder.load(dir);
      float[][] e = enc.encode(FuzzFixtures.TEXTS);
      if (e.length != FuzzFixtures.TEXTS.size() || e[0].length != enc.dimension()) {
        throw new AssertionError("encoded " + e.length + " texts of " + FuzzFixtures.TEXTS.size());
      }
    });
  }

  @FuzzTest(maxDuration = "60s")
  void onnx(byte[] data) {
    FuzzContract.loadsOrNamesTheFile("fuzz.onnx", Set.of(OnnxFormatException.class), () -> {
      OnnxGraph g = OnnxGraph.parse(ByteBuffer.wrap(data), "fuzz.onnx");
      for (OnnxGraph.Initializer t : g.initializers().values()) {
        // a single tensor's reader names the tensor; the importer adds the file
        FuzzContract.loadsOrNamesTheFile("'" + t.name() + "'", Set.of(OnnxFormatException.class), t::toFloats);
        FuzzContract.loadsOrNamesTheFile("'" + t.name() + "'", Set.of(OnnxFormatException.class), t::toLongs);
      }
      for (OnnxGraph.Node n : g.nodes()) {
        for (String in : n.inputs()) g.producer(in);
      }
      OnnxBertImporter.importBert(g, "fuzz.onnx");
    });
  }

  @FuzzTest(maxDuration = "60s")
  void jsonl(byte[] data) throws IOException {
    dataset("jsonl", "data.jsonl", data);
  }

  @FuzzTest(maxDuration = "60s")
  void csv(byte[] data) throws IOException {
    dataset("csv", "data.csv", data);
  }

  @FuzzTest(maxDuration = "60s")
  void tsv(byte[] data) throws IOException {
    dataset("tsv", "data.tsv", data);
  }

  private static void dataset(String target, String name, byte[] data) throws IOException {
    Path file = work(target, false).resolve(name);
    Files.write(file, data);
    FuzzContract.loadsOrNamesTheFile(file.toString(), DATASET_ERRORS, () -> {
      Dataset d = DatasetReader.read(file, null);
      for (int r = 0; r < d.size(); r++) {
        if (d.row(r).size() != d.textColumns().size()) throw new AssertionError("row " + r + " has the wrong width");
        if (d.hasLabels()) d.label(r);
      }
    });
  }

  @FuzzTest(maxDuration = "60s")
  void trainConfigYaml(byte[] data) throws IOException {
    trainConfig("trainConfigYaml", "train.yaml", data);
  }

  @FuzzTest(maxDuration = "60s")
  void trainConfigJson(byte[] data) throws IOException {
    trainConfig("trainConfigJson", "train.json", data);
  }

  private static void trainConfig(String target, String name, byte[] data) throws IOException {
    Path dir = work(target, false), file = dir.resolve(name);
    if (!Files.exists(dir.resolve("train.jsonl"))) Files.writeString(dir.resolve("train.jsonl"), FuzzFixtures.TRAIN_DATA, StandardCharsets.UTF_8);
    Files.write(file, data);
    FuzzContract.loadsOrNamesTheFile(dir.toString(), TRAIN_CONFIG_ERRORS, () -> TrainConfig.read(file));
  }
}
