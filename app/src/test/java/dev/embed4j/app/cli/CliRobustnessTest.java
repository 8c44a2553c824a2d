package dev.embed4j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.io.SafeTensors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19, findings 1, 4 and 5: the command line as people type it, and encode that streams and refuses NaN. */
class CliRobustnessTest {
  @TempDir Path dir;
  private Path m;
  /** A Java class name (java.nio.file.NoSuchFileException, UncheckedIOException, ...) in a message. */
  private static final Pattern CLASS_NAME = Pattern.compile("java\\.[a-z]+\\.|[A-Z][a-zA-Z]*(Exception|Error)\\b");

  @BeforeEach
  void model() throws Exception {
    m = dir.resolve("m");
    TinyModels.encoder(Pooling.mean(), true, 11).save(m);
  }

  private static CliRun run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    int status = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void dashHIsHelpEverywhere() {
    for (String cmd : new String[] {"encode", "train", "eval", "demo"}) {
      CliRun r = run("", cmd, "-h");
      assertEquals(0, r.status(), cmd + ": " + r.err());
      assertTrue(r.out().startsWith("usage: embed4j " + cmd), cmd + ": " + r.out());
    }
    CliRun text = run("", "encode", "--model", m.toString(), "--", "-h");
    assertEquals(0, text.status(), text.err());
    assertTrue(text.out().startsWith("["), "after --, -h is a text: " + text.out());
  }

  @Test
  void optionsTakeTheirValueAfterAnEqualsSign() {
    CliRun spaced = run("", "encode", "--model", m.toString(), "--device", "cpu", "--batch-size", "1", "a", "b");
    CliRun joined = run("", "encode", "--model=" + m, "--device=cpu", "--batch-size=1", "a", "b");
    assertEquals(0, joined.status(), joined.err());
    assertEquals(spaced.out(), joined.out());
    assertEquals(2, run("", "encode", "--batch-size=0", "x").status());
    assertEquals(2, run("", "eval", "--frobnicate=1").status());
    assertEquals(2, run("", "train", "--max-steps=x", "c.yaml").status());
  }

  @Test
  void failuresSayWhatWasWrongWithoutJavaClassNamesAndExitOne() throws Exception {
    CliRun missing = run("", "encode", "--model", dir.resolve("nowhere").toString(), "x");
    assertEquals(1, missing.status());
    assertTrue(missing.err().contains("nowhere") && missing.err().contains("no such folder"), missing.err());
    assertFalse(CLASS_NAME.matcher(missing.err()).find(), missing.err());

    Files.delete(m.resolve("tokenizer.json"));
    Files.delete(m.resolve("vocab.txt"));
    CliRun noTokenizer = run("", "encode", "--model", m.toString(), "x");
    assertEquals(1, noTokenizer.status());
    assertTrue(noTokenizer.err().contains("neither tokenizer.json nor vocab.txt"), noTokenizer.err());
    assertFalse(CLASS_NAME.matcher(noTokenizer.err()).find(), noTokenizer.err());
  }

  @Test
  void encodeRefusesToPrintNonFiniteVectorsNamingTheModel() throws Exception {
    Path weights = m.resolve("model.safetensors");
    Map<String, Tensor> w = SafeTensors.read(weights);
    String name = "embeddings.LayerNorm.bias";
    float[] v = w.get(name).toFloatArray();
    v[3] = Float.NaN;
    w.put(name, Tensor.of(v, w.get(name).shape()));
    SafeTensors.write(weights, w, Map.of());
    CliRun r = run("", "encode", "--model", m.toString(), "hello");
    assertEquals(1, r.status());
    assertEquals("", r.out());
    assertTrue(r.err().contains(m.toString()) && r.err().contains("NaN"), r.err());
  }

  @Test
  void encodePrintsEachBatchBeforeTheInputEnds() throws Exception {
    PipedOutputStream feed = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(feed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicInteger status = new AtomicInteger(-1);
    Thread t = new Thread(() -> status.set(Main.run(new String[] {"encode", "--model", m.toString(), "--batch-size", "2"},
        stdin, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()))));
    t.start();
    feed.write("first line\nsecond line\n".getBytes(StandardCharsets.UTF_8));
    feed.flush();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (out.toString(StandardCharsets.UTF_8).split("\n").length < 2 || !out.toString(StandardCharsets.UTF_8).endsWith("\n")) {
      assertTrue(System.nanoTime() < deadline, "no output within 60 s while standard input is still open");
      assertTrue(t.isAlive(), "encode ended before its input did");
      Thread.sleep(20);
    }
    assertTrue(t.isAlive(), "still reading: the input is open");
    feed.write("third\n".getBytes(StandardCharsets.UTF_8));
    feed.close();
    t.join(60_000);
    assertEquals(0, status.get());
    assertEquals(3, out.toString(StandardCharsets.UTF_8).strip().split("\n").length);
  }
}
