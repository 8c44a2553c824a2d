package dev.embed4j.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.embed4j.model.DefaultModel;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.tokenizer.Encoding;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a user meets first: a fresh JVM loads all-MiniLM-L6-v2 and embeds 512 WordNet sentences, once. Each fork
 * runs one operation, so every score is a cold start (JIT, class loading, model loading and all), and the forks
 * give its spread. The JVM flags are the launcher's ({@code ./embed4j}): what a user of the command line gets.
 * <ul>
 *   <li>{@code embed4j}: {@code SentenceEncoder.defaultModel()} (the imported model folder, which the set-up
 *       makes sure exists) and {@code encode} of the 512 texts;
 *   <li>{@code peer_onnxruntime}: ONNX Runtime from creating its session on the same model's ONNX file (read
 *       from the class path), with embed4j's tokenizer loaded from the same folder, the same 16 sorted batches of
 *       32 and the same pooling as {@code EncodeBenchmark};
 *   <li>{@code peer_langchain4j}: langchain4j's in-process {@code AllMiniLmL6V2EmbeddingModel} (ONNX Runtime and
 *       its own tokenizer), {@code embedAll} of the 512 texts, the path Java applications take today.
 * </ul>
 * embed4j's vectors match ONNX Runtime's on the same file ({@code OnnxRuntimeParityTest}); langchain4j runs that
 * file too. The set-up's own work (reading WordNet) is not timed.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 5, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class ColdStartBenchmark {
  private List<String> texts;
  private Path folder;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    texts = WordNetSentences.sample(512);
    folder = DefaultModel.folder();
  }

  @Benchmark
  public float[][] embed4j() throws Exception {
    return SentenceEncoder.load(folder).encode(texts);
  }

  @Benchmark
  public float[][] peer_onnxruntime() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
    opts.setInterOpNumThreads(1);
    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    byte[] model;
    try (InputStream in = ColdStartBenchmark.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      model = in.readAllBytes();
    }
    WordPieceTokenizer tok = WordPieceTokenizer.fromTokenizerJson(folder.resolve("tokenizer.json")).withMaxLength(256);
    try (OrtSession session = env.createSession(model, opts)) {
      Encoding[] enc = new Encoding[texts.size()];
      for (int i = 0; i < enc.length; i++) enc[i] = tok.encode(texts.get(i));
      Integer[] order = new Integer[enc.length];
      for (int i = 0; i < order.length; i++) order[i] = i;
      Arrays.sort(order, Comparator.comparingInt((Integer i) -> -enc[i].length()));
      float[][] out = new float[enc.length][];
      for (int from = 0; from < order.length; from += 32) {
        int to = Math.min(order.length, from + 32);
        List<Encoding> rows = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) rows.add(enc[order[i]]);
        float[][] e = OnnxRuntimePeer.embed(env, session, tok.pad(rows));
        for (int i = from; i < to; i++) out[order[i]] = e[i - from];
      }
      return out;
    }
  }

  @Benchmark
  public List<Embedding> peer_langchain4j() {
    List<TextSegment> segments = new ArrayList<>(texts.size());
    for (String t : texts) segments.add(TextSegment.from(t));
    return new AllMiniLmL6V2EmbeddingModel().embedAll(segments).content();
  }
}
