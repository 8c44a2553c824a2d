package dev.embed4j.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tokenising 10,000 WordNet 3.1 definitions and examples (all-MiniLM-L6-v2's tokenizer.json, truncation
 * at 256, ids + type ids + mask), one string at a time on one thread: embed4j's WordPieceTokenizer
 * against the Hugging Face tokenizers library through DJL's binding ({@code encode} per string, the call a
 * Java application makes). Tokens per second = the token count printed at set-up / time per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TokenizerBenchmark {
  private List<String> texts;
  private WordPieceTokenizer ours;
  private HuggingFaceTokenizer hf;
  private Path json;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    texts = WordNetSentences.sample(10_000);
    json = Files.createTempFile("minilm-tokenizer", ".json");
    try (InputStream in = TokenizerBenchmark.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(in, json, StandardCopyOption.REPLACE_EXISTING);
    }
    ours = WordPieceTokenizer.fromTokenizerJson(json).withMaxLength(256);
    hf = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "maxLength", "256", "padding", "false"));
    long tokens = 0;
    for (String t : texts) tokens += ours.encode(t).length();
    System.out.println("TokenizerBenchmark: " + texts.size() + " strings, " + tokens + " tokens per operation");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    hf.close();
    Files.deleteIfExists(json);
  }

  @Benchmark
  public long embed4j() {
    long sum = 0;
    for (String t : texts) sum += ours.encode(t).ids()[1];
    return sum;
  }

  @Benchmark
  public long peer_huggingface() {
    long sum = 0;
    for (String t : texts) sum += hf.encode(t).getIds()[1];
    return sum;
  }
}
