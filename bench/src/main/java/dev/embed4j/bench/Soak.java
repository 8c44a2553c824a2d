package dev.embed4j.bench;

import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import dev.embed4j.model.train.EncoderTrainable;
import dev.embed4j.model.train.Trainer;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A soak run, not a CI test: does memory stay flat over a long run? {@code train} fits a tiny random BERT
 * (hidden 32, 2 layers, the real MiniLM tokenizer) for 2,000 steps; {@code encode} puts 1,000,000 texts
 * through {@link SentenceEncoder#encode} in batches of 64. Both sample the process's RSS
 * ({@code /proc/self/status} VmRSS) and the heap after a full GC at 16 points, print them, and end with a
 * verdict: flat when the last quarter's highest RSS is within 10 % of the second quarter's. {@code threads}
 * checks that 4 threads encoding the real all-MiniLM-L6-v2 in batches of 40 (above the 16-row part size)
 * for N rounds each get bit for bit what one thread gets.
 *
 * <p>Usage: {@code Soak train [STEPS] | encode [TEXTS] | threads [ROUNDS]}; the exit status is 1 when the
 * verdict is not flat or a thread's result differs. Run it with a fixed heap ({@code -Xms1g -Xmx1g}): with a heap
 * the collector may grow, one encode run's RSS stepped by 20 % at 937,000 texts while the heap after GC stayed at
 * 15 MB (the committed heap went from 364 to 592 MB); with {@code -Xms1g -Xmx1g -XX:+UseParallelGC} the 1,000,000
 * texts ran in 22.7 s with RSS flat at 446–465 MB (+0.1 % from the second quarter to the last).
 */
public final class Soak {
  private static final String[] WORDS = {"cat", "dog", "house", "river", "tree", "car", "bread", "music", "stone", "cloud",
      "apple", "chair", "window", "garden", "ocean", "mountain", "book", "lamp", "road", "bird", "fish", "coffee", "snow",
      "paper", "glass", "horse", "bridge", "train", "flower", "clock", "shoe", "hat"};
  private static final int SAMPLES = 16;

  private Soak() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "encode";
    boolean ok = switch (what) {
      case "train" -> train(args.length > 1 ? Integer.parseInt(args[1]) : 2000);
      case "encode" -> encode(args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000);
      case "threads" -> threads(args.length > 1 ? Integer.parseInt(args[1]) : 5);
      default -> throw new IllegalArgumentException("usage: Soak train [STEPS] | encode [TEXTS] | threads [ROUNDS]");
    };
    System.exit(ok ? 0 : 1);
  }

  static SentenceEncoder tinyEncoder() throws Exception {
    Path tmp = Files.createTempFile("soak-tok", ".json");
    try (InputStream in = Soak.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      WordPieceTokenizer tok = WordPieceTokenizer.fromTokenizerJson(tmp);
      BertConfig c = new BertConfig(30522, 32, 2, 4, 64, BertConfig.Activation.GELU, 0.1f, 0.1f, 512, 2, 1e-12f, 0);
      return new SentenceEncoder(tok, BertModel.randomInit(c, 1), Pooling.mean(), true, 64, Map.of(), null,
          SimilarityFunction.COSINE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String sentence(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = 3 + r.nextInt(12);
    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
    return sb.toString();
  }

  private static boolean train(int steps) throws Exception {
    Path dir = Files.createTempDirectory("soak-train");
    Random r = new Random(3);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 512; i++) {
      String a = sentence(r);
      lines.add("{\"anchor\": \"" + a + "\", \"positive\": \"" + a + " " + WORDS[i % WORDS.length] + "\"}");
    }
    Files.write(dir.resolve("pairs.jsonl"), lines);
    var data = DatasetReader.read(dir.resolve("pairs.jsonl"), "pairs");
    Memory mem = new Memory(steps);
    EncoderTrainable model = new EncoderTrainable(tinyEncoder());
    // the trainer reports through its evaluation hook, called every steps/SAMPLES steps
    int every = Math.max(1, steps / SAMPLES);
    int[] step = {0};
    Trainer t = Trainer.builder().model(model).task("pairs", data, EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .batchSize(16).maxSteps(steps).learningRate(1e-4f).seed(1).evalEvery(every)
        .evaluation("memory", e -> {
          step[0] += every;
          mem.sample(Math.min(step[0], steps));
          return Map.of("rss_mb", mem.lastRssMb());
        })
        .outputDir(dir.resolve("run")).build();
    long t0 = System.nanoTime();
    Trainer.Result res = t.fit();
    System.out.printf(Locale.ROOT, "train: %d steps in %.1f s%n", res.steps(), (System.nanoTime() - t0) / 1e9);
    return mem.report("train steps");
  }

  private static boolean encode(int texts) throws Exception {
    SentenceEncoder enc = tinyEncoder();
    Random r = new Random(5);
    Memory mem = new Memory(texts);
    int batch = 64, every = Math.max(batch, texts / SAMPLES / batch * batch);
    long t0 = System.nanoTime(), done = 0;
    double check = 0;
    List<String> b = new ArrayList<>(batch);
    while (done < texts) {
      b.clear();
      for (int i = 0; i < batch && done + i < texts; i++) b.add(sentence(r));
      float[][] e = enc.encode(b);
      check += e[0][0];
      done += b.size();
      if (done % every == 0 || done == texts) mem.sample(done);
    }
    System.out.printf(Locale.ROOT, "encode: %d texts in %.1f s (checksum %.4f)%n", done, (System.nanoTime() - t0) / 1e9, check);
    return mem.report("texts");
  }

  private static boolean threads(int rounds) throws Exception {
    SentenceEncoder enc = SentenceEncoder.defaultModel();
    Random r = new Random(9);
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      List<String> b = new ArrayList<>();
      for (int j = 0; j < 40; j++) b.add(sentence(r) + (j % 3 == 0 ? " " + sentence(r) + " " + sentence(r) : ""));
      batches.add(b);
    }
    List<float[][]> expected = new ArrayList<>();
    for (List<String> b : batches) expected.add(enc.encode(b));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    int mismatches = 0, compared = 0;
    try {
      for (int round = 0; round < rounds; round++) {
        List<Future<float[][]>> fs = new ArrayList<>();
        for (int th = 0; th < 4; th++) {
          List<String> b = batches.get((th + round) % 4);
          fs.add(pool.submit(() -> enc.encode(b)));
        }
        for (int th = 0; th < 4; th++) {
          float[][] got = fs.get(th).get(), want = expected.get((th + round) % 4);
          for (int i = 0; i < want.length; i++) {
            compared++;
            if (!Arrays.equals(want[i], got[i])) mismatches++;
          }
        }
      }
    } finally {
      pool.shutdown();
    }
    System.out.printf(Locale.ROOT, "threads: 4 threads x %d rounds x 40 texts (all-MiniLM-L6-v2): %d of %d vectors differ"
        + " from one thread's%n", rounds, mismatches, compared);
    return mismatches == 0;
  }

  /** RSS and heap-after-GC samples, and the flatness verdict. */
  static final class Memory {
    private final long total;
    private final List<long[]> samples = new ArrayList<>(); // {at, rss kB, heap bytes}

    Memory(long total) {
      this.total = total;
    }

    void sample(long at) {
      System.gc();
      var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      long[] s = {at, rssKb(), heap.getUsed()};
      samples.add(s);
      // committed heap tells an RSS step from the collector growing its generations apart from a leak
      System.out.printf(Locale.ROOT, "  %9d  rss %7.1f MB  heap after GC %7.1f MB (committed %7.1f MB)%n", s[0], s[1] / 1024.0,
          s[2] / 1048576.0, heap.getCommitted() / 1048576.0);
    }

    double lastRssMb() {
      return samples.getLast()[1] / 1024.0;
    }

    boolean report(String unit) {
      long q2 = 0, q4 = 0, h2 = 0, h4 = 0;
      for (long[] s : samples) {
        double f = (double) s[0] / total;
        if (f > 0.25 && f <= 0.5) { q2 = Math.max(q2, s[1]); h2 = Math.max(h2, s[2]); }
        if (f > 0.75) { q4 = Math.max(q4, s[1]); h4 = Math.max(h4, s[2]); }
      }
      boolean flat = q2 > 0 && q4 <= q2 * 1.10;
      System.out.printf(Locale.ROOT, "verdict (%s): %s; max RSS %.1f MB in the second quarter, %.1f MB in the last (%+.1f %%);"
          + " max heap after GC %.1f MB, %.1f MB%n", unit, flat ? "FLAT" : "GROWING", q2 / 1024.0, q4 / 1024.0,
          q2 == 0 ? 0 : 100.0 * (q4 - q2) / q2, h2 / 1048576.0, h4 / 1048576.0);
      return flat;
    }

    static long rssKb() {
      try {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      } catch (java.io.IOException e) {
        // not Linux: no RSS figure
      }
      return -1;
    }
  }

}
