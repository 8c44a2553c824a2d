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
