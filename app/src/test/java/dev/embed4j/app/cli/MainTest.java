package dev.embed4j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  @Test
  void encodeWritesOneJsonArrayPerTextInOrder() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 11);
    Path m = dir.resolve("m");
    enc.save(m);
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"encode", "--model", m.toString(), "--prompt", "query: ", "first", "second text", ""},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals(3, lines.length);
    float[][] expected = enc.encode(List.of("first", "second text", ""), "query: ");
    for (int i = 0; i < 3; i++) {
      JsonNode arr = new ObjectMapper().readTree(lines[i]);
      assertEquals(enc.dimension(), arr.size());
      for (int d = 0; d < arr.size(); d++) assertEquals(expected[i][d], (float) arr.get(d).asDouble(), 0f);
    }
    // --device cpu gives the same lines; cuda without the native module is refused, naming what is missing
    ByteArrayOutputStream cpuOut = new ByteArrayOutputStream(), cudaErr = new ByteArrayOutputStream();
    assertEquals(0, Main.run(new String[] {"encode", "--model", m.toString(), "--prompt", "query: ", "--device", "cpu",
        "first", "second text", ""}, new PrintStream(cpuOut, true, StandardCharsets.UTF_8), new PrintStream(err)));
    assertEquals(out.toString(StandardCharsets.UTF_8), cpuOut.toString(StandardCharsets.UTF_8));
    assertEquals(1, Main.run(new String[] {"encode", "--model", m.toString(), "--device", "cuda", "x"},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(cudaErr, true, StandardCharsets.UTF_8)));
    assertTrue(cudaErr.toString(StandardCharsets.UTF_8).contains("embed4j-native"), cudaErr.toString(StandardCharsets.UTF_8));
  }

  /**
   * Prompts on the command line as in the Java API: --prompt-name picks one of the model's prompts by name, and with
   * neither option the model's default prompt applies (before, the CLI left it out while encode(texts) applied it).
   */
  @Test
  void encodeAppliesPromptsByNameAndTheModelsDefault() throws Exception {
    SentenceEncoder base = TinyModels.encoder(Pooling.mean(), true, 13);
    SentenceEncoder enc = new SentenceEncoder(base.tokenizer(), base.model(), base.pooling(), true, 128,
        java.util.Map.of("query", "query: ", "doc", "passage: "), "query", base.similarityFunction());
    Path m = dir.resolve("prompted");
    enc.save(m);
    SentenceEncoder loaded = SentenceEncoder.load(m);
    float[] byName = loaded.encode(List.of("a cat"), dev.embed4j.model.Prompt.named("doc"))[0];
    float[] byDefault = loaded.encode(List.of("a cat"))[0];
    float[] none = loaded.encode(List.of("a cat"), "")[0];
    assertTrue(!java.util.Arrays.equals(byDefault, none), "the default prompt must change the embedding");
    CliRun named = CliRun.of("encode", "--model", m.toString(), "--prompt-name", "doc", "a cat");
    assertEquals(0, named.status(), named.err());
    assertVector(byName, named.out());
    CliRun dflt = CliRun.of("encode", "--model=" + m, "a cat");
    assertEquals(0, dflt.status(), dflt.err());
    assertVector(byDefault, dflt.out());
    CliRun both = CliRun.of("encode", "--model", m.toString(), "--prompt", "x", "--prompt-name", "doc", "a cat");
    assertEquals(2, both.status());
    CliRun unknown = CliRun.of("encode", "--model", m.toString(), "--prompt-name", "nope", "a cat");
    assertEquals(1, unknown.status());
    assertTrue(unknown.err().contains("nope") && unknown.err().contains("query"), unknown.err());
  }

  private static void assertVector(float[] want, String line) throws Exception {
    JsonNode arr = new ObjectMapper().readTree(line.strip());
    assertEquals(want.length, arr.size());
    for (int d = 0; d < want.length; d++) assertEquals(want[d], (float) arr.get(d).asDouble(), 0f, "dimension " + d);
  }

  @Test
  void helpAndUsageErrors() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8), e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(0, Main.run(new String[] {"encode", "--help"}, o, e));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: embed4j encode"));
    assertEquals(0, Main.run(new String[] {"--help"}, o, e));
    assertEquals(2, Main.run(new String[] {"encode", "--batch-size", "zero"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--batch-size needs a positive integer"));
    assertEquals(2, Main.run(new String[] {"frobnicate"}, o, e));
    assertEquals(2, Main.run(new String[] {"encode", "--device", "cuda:first", "x"}, o, e));
    assertEquals(1, Main.run(new String[] {"encode", "--model", dir.resolve("missing").toString(), "x"}, o, e));
  }
}
