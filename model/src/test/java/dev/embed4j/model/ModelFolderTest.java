package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.bert.ModelConfigException;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.io.SafeTensors;
import dev.embed4j.model.io.SafeTensorsException;
import dev.embed4j.model.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> TEXTS = List.of("a small test", "another, longer sentence to embed here", "");

  @Test
  void saveThenLoadGivesTheSameEmbeddingsAndEveryFile() throws IOException {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MAX, false), true, 3);
    Path m = dir.resolve("m");
    enc.save(m);
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        "special_tokens_map.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
        "config_sentence_transformers.json")) {
      assertTrue(Files.isRegularFile(m.resolve(f)), f);
    }
    assertTrue(Files.isDirectory(m.resolve("2_Normalize")));
    SentenceEncoder back = SentenceEncoder.load(m);
    assertEquals(enc.pooling(), back.pooling());
    assertEquals(enc.prompts(), back.prompts());
    assertEquals(128, back.maxSeqLength());
    assertTrue(back.normalizes());
    float[][] a = enc.encode(TEXTS, "query: "), b = back.encode(TEXTS, "query: ");
    for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i]);
    assertEquals(30522, Files.readAllLines(m.resolve("vocab.txt")).size());
  }

  @Test
  void vocabOnlyFolderAndPrefixedOldStyleWeightsLoad() throws IOException {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), false, 4);
    Path m = dir.resolve("hf");
    enc.save(m);
    // a plain Hugging Face folder: no sentence-transformers files, no tokenizer.json, "bert." names, gamma/beta
    for (String f : List.of("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "tokenizer.json")) {
      Files.delete(m.resolve(f));
    }
    Map<String, Tensor> renamed = new LinkedHashMap<>();
    enc.namedParameters().forEach((k, v) -> renamed.put("bert." + k.replace("LayerNorm.weight", "LayerNorm.gamma")
        .replace("LayerNorm.bias", "LayerNorm.beta"), v));
    renamed.put("bert.pooler.dense.weight", Tensor.zeros(32, 32));
    renamed.put("cls.predictions.bias", Tensor.zeros(30522));
    SafeTensors.write(m.resolve("model.safetensors"), renamed, null);
    SentenceEncoder back = SentenceEncoder.load(m).withMaxSeqLength(128);
    float[][] a = enc.encode(TEXTS), b = back.encode(TEXTS);
    for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i]);
  }

  @Test
  void badFoldersGetClearErrors() throws IOException {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 5);
    Path m = dir.resolve("bad");
    enc.save(m);
    ObjectNode cfg = (ObjectNode) JSON.readTree(m.resolve("config.json").toFile());

    cfg.put("hidden_act", "swish");
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);
    var e1 = assertThrows(ModelConfigException.class, () -> SentenceEncoder.load(m));
    assertTrue(e1.getMessage().contains("hidden_act 'swish' is not supported"), e1.getMessage());

    cfg.put("hidden_act", "gelu");
    cfg.putArray("architectures").add("RobertaModel");
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);
    var e2 = assertThrows(ModelConfigException.class, () -> SentenceEncoder.load(m));
    assertTrue(e2.getMessage().contains("architecture 'RobertaModel' is not supported"), e2.getMessage());

    cfg.putArray("architectures").add("BertModel");
    cfg.put("num_hidden_layers", 3); // one layer more than the weights have
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);
    var e3 = assertThrows(ModelConfigException.class, () -> SentenceEncoder.load(m));
    assertTrue(e3.getMessage().contains("config.json") && e3.getMessage().contains("num_hidden_layers is 3")
        && e3.getMessage().contains("weights for 2 layers"), e3.getMessage());
    cfg.put("num_hidden_layers", 2);
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);

    byte[] weights = Files.readAllBytes(m.resolve("model.safetensors"));
    Files.write(m.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
    var e4 = assertThrows(SafeTensorsException.class, () -> SentenceEncoder.load(m));
    assertTrue(e4.getMessage().contains("model.safetensors") && e4.getMessage().contains("past the data"), e4.getMessage());
    Files.write(m.resolve("model.safetensors"), weights);

    List<String> vocab = Files.readAllLines(m.resolve("vocab.txt"));
    Files.write(m.resolve("vocab.txt"), vocab.stream().map(t -> t.equals("[UNK]") ? "[unk-gone]" : t).toList());
    Files.delete(m.resolve("tokenizer.json"));
    var e5 = assertThrows(TokenizerFormatException.class, () -> SentenceEncoder.load(m));
    assertTrue(e5.getMessage().contains("no [UNK] token"), e5.getMessage());

    Files.delete(m.resolve("config.json"));
    assertThrows(NoSuchFileException.class, () -> SentenceEncoder.load(m));
    assertThrows(NoSuchFileException.class, () -> SentenceEncoder.load(dir.resolve("does-not-exist")));
  }
}
