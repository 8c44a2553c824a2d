package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh JVM that loads a model folder never loads a Jackson class: initialising databind cost 210-270 ms
 * of a cold all-MiniLM-L6-v2 load, and the load's JSON (config files, tokenizer.json, the safetensors
 * header) is read by {@code io.json.JsonReader}. Writing a folder may use Jackson; loading may not. The
 * verifier loads the classes a method's bytecode assigns across (an ObjectNode passed as a JsonNode) when it
 * links a class, so a writing method in a reading class is enough to fail this test.
 */
class ModelFolderColdLoadTest {
  @TempDir Path dir;

  @Test
  void aFreshJvmLoadsAModelFolderWithoutLoadingJackson() throws IOException, InterruptedException {
    Path model = tinyModelFolder(dir);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:stdout",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ModelFolderLoadMain.class.getName(),
        model.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
    assertEquals(0, p.exitValue(), out.lines().filter(l -> !l.contains("[class,load]")).toList().toString());
    assertTrue(out.contains("embed4j loaded, dimension 8"), "the child did not load the model");
    assertTrue(out.contains("dev.embed4j.model.io.json.JsonReader"), "the class-load log does not list the JSON reader");
    List<String> lines = out.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(" com.fasterxml.jackson.")) {
        // the project's class loaded last before it is most often the one whose verification or code needed it
        String before = "";
        for (int k = i - 1; k >= 0 && before.isEmpty(); k--) if (lines.get(k).contains(" dev.embed4j.")) before = lines.get(k);
        throw new AssertionError("loading the folder loaded a Jackson class: " + lines.get(i)
            + "\n after: " + before);
      }
    }
  }

  /** A one-layer model 8 wide over a 40-token vocabulary, saved with every file of the layout. */
  static Path tinyModelFolder(Path dir) throws IOException {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = vocab.size(); i < 40; i++) vocab.add("w" + i);
    Path vocabFile = dir.resolve("vocab-src.txt");
    Files.write(vocabFile, vocab, StandardCharsets.UTF_8);
    WordPieceTokenizer tok = WordPieceTokenizer.fromVocab(vocabFile, true);
    BertConfig config = new BertConfig(vocab.size(), 8, 1, 2, 16, BertConfig.Activation.GELU, 0.1f, 0.1f, 64, 2, 1e-12f, 0);
    SentenceEncoder enc = new SentenceEncoder(tok, BertModel.randomInit(config, 7), Pooling.mean(), true, 32,
        Map.of("query", "query: "), "query", SimilarityFunction.COSINE);
    Path model = dir.resolve("model");
    enc.save(model);
    return model;
  }
}
