package dev.embed4j.model.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.ModelConfigException;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, finding 2: a damaged model file is the project's own exception naming the file and the key or
 * tensor, raised before anything is allocated; never a wrong answer, a hang, or an NPE/index/arithmetic error.
 */
class ModelFileErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private Path m;

  @BeforeEach
  void saveTinyModel() throws IOException {
    m = dir.resolve("m");
    TinyModels.encoder(Pooling.mean(), true, 5).save(m);
  }

  private void editJson(String file, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode root = (ObjectNode) JSON.readTree(m.resolve(file).toFile());
    edit.accept(root);
    JSON.writeValue(m.resolve(file).toFile(), root);
  }

  /** Rewrites model.safetensors' header, keeping the data bytes. */
  private void editHeader(Consumer<ObjectNode> edit) throws IOException {
    Path f = m.resolve("model.safetensors");
    byte[] all = Files.readAllBytes(f);
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    edit.accept(header);
    byte[] h = JSON.writeValueAsBytes(header);
    ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(h.length).put(h).put(all, 8 + (int) n, all.length - 8 - (int) n);
    Files.write(f, out.array());
  }

  private static <T extends Throwable> void fails(Class<T> type, Executable load, String... words) {
    T e = assertThrows(type, load);
    for (String w : words) assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
  }

  @Test
  void aVocabIdWrittenAsAStringOrNegativeIsAnErrorNotIdZero() throws IOException {
    editJson("tokenizer.json", t -> ((ObjectNode) t.with("model").with("vocab")).put("hello", "seven"));
    fails(TokenizerFormatException.class, () -> SentenceEncoder.load(m), "tokenizer.json", "model.vocab['hello']", "\"seven\"");
    editJson("tokenizer.json", t -> ((ObjectNode) t.with("model").with("vocab")).put("hello", -3));
    fails(TokenizerFormatException.class, () -> SentenceEncoder.load(m), "tokenizer.json", "model.vocab['hello']", "-3");
  }

  @Test
  void bertProcessingWithoutClsNamesTheKey() throws IOException {
    editJson("tokenizer.json", t -> {
      ObjectNode pp = t.putObject("post_processor");
      pp.put("type", "BertProcessing");
      pp.putArray("sep").add("[SEP]").add(102);
    });
    fails(TokenizerFormatException.class, () -> SentenceEncoder.load(m), "tokenizer.json", "'cls'", "[token, id]");
  }

  @Test
  void aHugeLayerCountFailsAtOnceAndALayerCountUnlikeTheWeightsIsNamed() throws IOException {
    editJson("config.json", c -> c.put("num_hidden_layers", 100_000_000));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        fails(ModelConfigException.class, () -> SentenceEncoder.load(m), "config.json", "num_hidden_layers", "100000000"));
    editJson("config.json", c -> c.put("num_hidden_layers", 7));
    fails(ModelConfigException.class, () -> SentenceEncoder.load(m), "config.json", "num_hidden_layers is 7", "2 layers");
  }

  @Test
  void fractionalSizesAndNonNumericEpsilonAreRefused() throws IOException {
    editJson("config.json", c -> c.put("hidden_size", 32.7));
    fails(ModelConfigException.class, () -> SentenceEncoder.load(m), "config.json", "hidden_size", "32.7");
    editJson("config.json", c -> c.put("hidden_size", 32).put("layer_norm_eps", "abc"));
    fails(ModelConfigException.class, () -> SentenceEncoder.load(m), "config.json", "layer_norm_eps", "abc");
    editJson("config.json", c -> c.put("layer_norm_eps", 1e-12).put("vocab_size", 30000));
    fails(ModelConfigException.class, () -> SentenceEncoder.load(m), "config.json", "vocab_size 30000",
        "embeddings.word_embeddings.weight");
  }

  @Test
  void integerAndF8WeightsAreUnsupportedDtypesNotMissingTensors() throws IOException {
    String name = "embeddings.token_type_embeddings.weight"; // [2, 32] F32: 256 bytes
    editHeader(h -> ((ObjectNode) h.get(name)).put("dtype", "I32"));
    fails(SafeTensorsException.class, () -> SentenceEncoder.load(m), "model.safetensors", name, "dtype I32 is not supported");
    editHeader(h -> {
      ((ObjectNode) h.get(name)).put("dtype", "F8_E4M3");
      ((ObjectNode) h.get(name)).putArray("shape").add(8).add(32);
    });
    fails(SafeTensorsException.class, () -> SentenceEncoder.load(m), "model.safetensors", name, "F8_E4M3");
  }

  @Test
  void aShapeWhoseSizeOverflowsIsADamagedHeader() throws IOException {
    String name = "embeddings.token_type_embeddings.weight";
    editHeader(h -> ((ObjectNode) h.get(name)).putArray("shape").add(Integer.MAX_VALUE).add(Integer.MAX_VALUE).add(Integer.MAX_VALUE));
    fails(SafeTensorsException.class, () -> SentenceEncoder.load(m), "model.safetensors", name, "more elements than any file");
    assertTrue(Arrays.asList(m.toFile().list()).contains("model.safetensors"));
  }
}
