package dev.embed4j.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.engine.cpu.gemm.PackedGemm;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.tokenizer.BatchEncoding;
import dev.embed4j.model.tokenizer.Encoding;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.InputStream;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * all-MiniLM-L6-v2 inference, embed4j against ONNX Runtime on the same ONNX file, same thread count, same
 * token ids (tokenised once in the set-up, so only the model and the pooling are timed; the tokenizers
 * have their own benchmark). One operation is a whole workload:
 * <ul>
 *   <li>{@code fixed128}: one batch of 32 sentences of exactly 128 tokens (sentences/s = 32 / time);
 *   <li>{@code wordnet512}: 512 WordNet sentences (mean about 14 tokens), sorted by length and run in 16
 *       batches of 32, each padded to its longest, as SentenceEncoder.encode does (sentences/s = 512 / time).
 * </ul>
 * Both sides mean-pool over the attention mask and L2-normalise. ONNX Runtime runs with
 * {@code intraOpNumThreads = threads}, embed4j with {@code Parallel.setThreads(threads)}.
 *
 * <p>Warm-up: eight iterations of 2 s. An operation takes 0.4–1.9 s warm and 3–4 s cold, so three iterations
 * were three operations, and C2 was still compiling (the engine's plumbing left in profiling C1 code until
 * the fourth or fifth 512-sentence encode): the first measured iteration of two-thread wordnet512 ran 1084 ms,
 * the next four 780–852.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xms4g", "-Xmx4g", "-XX:G1HeapRegionSize=1m"})
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
public class EncodeBenchmark {
  @Param({"1", "2"})
  public String threads;

  @Param({"fixed128", "wordnet512"})
  public String workload;

  private SentenceEncoder encoder;
  private List<BatchEncoding> batches;
  private long gemmMultiplyAdds;
  private OrtEnvironment env;
  private OrtSession session;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    int n = Integer.parseInt(threads);
    Parallel.setThreads(n);
    encoder = SentenceEncoder.defaultModel();
    batches = workload.equals("fixed128") ? fixed128(encoder.tokenizer()) : wordnet512(encoder.tokenizer());
    var c = encoder.model().config();
    gemmMultiplyAdds = gemmMultiplyAdds(batches, c.numLayers(), c.hiddenSize(), c.intermediateSize());
    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(n);
    opts.setInterOpNumThreads(1);
    opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    byte[] model;
    try (InputStream in = EncodeBenchmark.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      model = in.readAllBytes();
    }
    session = env.createSession(model, opts);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    session.close();
  }

  static List<BatchEncoding> fixed128(WordPieceTokenizer tok) {
    WordPieceTokenizer cut = tok.withMaxLength(128);
    List<String> all = WordNetSentences.all();
    List<Encoding> rows = new ArrayList<>();
    for (int i = 0; rows.size() < 32; i += 97) {
      StringBuilder sb = new StringBuilder();
      for (int j = i; sb.length() < 2000; j++) sb.append(all.get(j % all.size())).append(". ");
      Encoding e = cut.encode(sb.toString());
      if (e.length() != 128) throw new IllegalStateException("expected 128 tokens, got " + e.length());
      rows.add(e);
    }
    return List.of(cut.pad(rows));
  }

  static List<BatchEncoding> wordnet512(WordPieceTokenizer tok) {
    WordPieceTokenizer cut = tok.withMaxLength(256);
    List<Encoding> rows = new ArrayList<>();
    for (String s : WordNetSentences.sample(512)) rows.add(cut.encode(s));
    rows.sort(Comparator.comparingInt(Encoding::length).reversed());
    List<BatchEncoding> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += 32) out.add(cut.pad(rows.subList(i, i + 32)));
    return out;
  }

  @Benchmark
  public void embed4j(Blackhole bh) {
    for (BatchEncoding b : batches) bh.consume(encoder.embed(b, 0));
  }

  /**
   * Not a peer but a bound: the GEMM micro-kernel alone, in cache, for as many multiply-adds as embed4j's
   * GEMMs do on this workload (the encoder's six layers of projections and feed-forward over the rows of
   * each part, padding included; attention and everything else left out). embed4j cannot beat this time
   * with this kernel, so {@code kernelAlone / peer_onnxruntime} is the best ratio it could reach.
   */
  @Benchmark
  public float kernelAlone() {
    return PackedGemm.kernelAlone(gemmMultiplyAdds);
  }

  /** The multiply-adds of the encoder's GEMMs over these batches, run as SentenceEncoder runs them. */
  static long gemmMultiplyAdds(List<BatchEncoding> batches, int layers, int hidden, int intermediate) {
    long rows = 0;
    for (BatchEncoding b : batches) {
      int step = b.batch() > SentenceEncoder.ROWS_PER_PASS ? SentenceEncoder.ROWS_PER_PASS : b.batch();
      for (int p = 0; p < b.batch(); p += step) {
        BatchEncoding part = b.rows(p, Math.min(b.batch(), p + step));
        rows += (long) part.batch() * part.seqLen();
      }
    }
    return rows * layers * (4L * hidden * hidden + 2L * hidden * intermediate);
  }

  @Benchmark
  public void peer_onnxruntime(Blackhole bh) throws OrtException {
    for (BatchEncoding b : batches) bh.consume(OnnxRuntimePeer.embed(env, session, b));
  }
}
