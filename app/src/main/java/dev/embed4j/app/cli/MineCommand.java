package dev.embed4j.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.engine.Device;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.data.HardNegativeMiner;
import dev.embed4j.model.eval.TextEmbedder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code embed4j mine}: hard negatives for (anchor, positive) pairs, as sentence-transformers' mine_hard_negatives. */
final class MineCommand {
  private MineCommand() {}

  static final String HELP = """
      usage: embed4j mine --data FILE --output FILE [options]

      Adds hard negatives to the (anchor, positive) pairs of FILE (JSONL, CSV or TSV; its first two text
      columns): each anchor is embedded and scored (cosine) against a corpus, the pairs' positives plus
      --corpus, and negatives are taken among its closest documents that are not its positive (a corpus
      text equal to a positive is that positive). Scores are computed block by block with a running
      top-k per anchor, so no anchors x corpus matrix is held. Writes JSONL: anchor, positive, negative
      (--format triplet, one row per negative) or anchor, positive, negative_1..negative_N (n-tuple).

      options:
        --data FILE            the pairs (required)
        --output FILE          where the mined rows go, JSONL (required)
        --model PATH           the embedding model (default: all-MiniLM-L6-v2)
        --corpus FILE          more candidate documents: a .txt file (one per line), or the first text
                               column of a JSONL, CSV or TSV file
        --num-negatives N      negatives per pair (default 3)
        --range-min N          skip the N closest candidates (default 0)
        --range-max N          consider candidates up to rank N (default: range-min + num-negatives +
                               the most positives an anchor has; with a margin or max-score, 10 x
                               num-negatives instead of num-negatives)
        --max-score X          skip candidates scoring above X
        --min-score X          skip candidates scoring below X
        --absolute-margin X    skip candidates with score + X > the positive's score
        --relative-margin X    skip candidates with score > (1 - X) x the positive's score (0.05: at most
                               95% as similar as the positive)
        --sampling S           top (default): the closest remaining candidates; random: drawn among them
        --seed N               the seed of random sampling (default 42)
        --format F             triplet (default) or n-tuple
        --query-prompt P       prompt for the anchors (default: the model's default prompt)
        --corpus-prompt P      prompt for the corpus
        --batch-size N         texts per forward pass (default 32)
        --device D             cpu (default), cuda or cuda:N
        --precision P          matrix products on a CUDA device: fp32 (default), tf32 or bf16
        -h, --help             this message; every option also takes --name=VALUE
      """;

  static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options o = Options.parse(args, Set.of("--data", "--output", "--model", "--corpus",
        "--num-negatives", "--range-min", "--range-max", "--max-score", "--min-score", "--absolute-margin", "--relative-margin",
        "--sampling", "--seed", "--format", "--query-prompt", "--corpus-prompt", "--batch-size", "--device", "--precision"), Set.of());
    if (o.help) {
      out.print(HELP);
      return 0;
    }
    if (!o.has("--data")) throw new Main.UsageException("--data FILE is required");
    if (!o.has("--output")) throw new Main.UsageException("--output FILE is required");
    if (!o.positional().isEmpty()) throw new Main.UsageException("unexpected argument '" + o.positional().get(0) + "'");
    Path output = o.path("--output");
    if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
      throw new Main.UsageException("--output writes JSONL; give a file name ending in .jsonl, got " + output);
    }
    int rangeMin = o.integer("--range-min", 0, 0);
    Integer rangeMax = o.has("--range-max") ? o.integer("--range-max", 0, rangeMin + 1) : null;
    HardNegativeMiner.Options opts;
    try {
      opts = HardNegativeMiner.Options.defaults().withRange(rangeMin, rangeMax)
          .withScores(decimal(o, "--max-score"), decimal(o, "--min-score"))
          .withMargins(decimal(o, "--absolute-margin"), decimal(o, "--relative-margin"))
          .withNegatives(o.integer("--num-negatives", 3, 1), sampling(o.text("--sampling", "top")), seed(o))
          .withOutput(format(o.text("--format", "triplet")))
          .withPrompts(o.text("--query-prompt", null), o.text("--corpus-prompt", null));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
    int batch = o.integer("--batch-size", SentenceEncoder.DEFAULT_BATCH_SIZE, 1);
    Device device = DeviceOptions.of(o).open();
    Dataset pairs = DatasetReader.read(o.path("--data"), null);
    List<String> corpus = o.has("--corpus") ? corpus(o.path("--corpus")) : null;
    SentenceEncoder enc = (o.has("--model") ? SentenceEncoder.load(o.path("--model")) : SentenceEncoder.defaultModel())
        .withBatchSize(batch).withDevice(device);
    long started = System.nanoTime();
    HardNegativeMiner.Result r = HardNegativeMiner.mine(pairs, corpus, withProgress(enc, err), opts);
    write(r.dataset(), output);
    out.printf(Locale.ROOT, "mined %d rows for %d pairs in %.1f s; written to %s%n", r.dataset().size(), r.pairs(),
        (System.nanoTime() - started) / 1e9, output);
    for (var e : HardNegativeMiner.asMap(r.skipped()).entrySet()) {
      if (e.getValue() > 0) out.printf(Locale.ROOT, "  skipped %,d candidates: %s%n", e.getValue(), e.getKey());
    }
    if (r.missing() > 0) {
      out.printf(Locale.ROOT, "  %d of %d pairs found fewer than %d negatives; widen --range-max, lower --range-min or loosen"
          + " the margins and --max-score to find more%n", r.missing(), r.pairs(), opts.numNegatives());
    }
    return 0;
  }

  /** Texts embedded between two progress lines. */
  static final int PROGRESS_CHUNK = 4096;

  /**
   * {@code enc::encode} that embeds in chunks of {@value #PROGRESS_CHUNK} texts and says after each, on
   * {@code err}, how far it is, at what rate and about how long the rest takes: embedding a 100k corpus
   * takes minutes. A text's vector does not depend on the texts beside it, so the chunks change nothing.
   */
  static TextEmbedder withProgress(SentenceEncoder enc, PrintStream err) {
    int[] call = {0};
    return (texts, prompt) -> {
      String what = call[0]++ == 0 ? "anchors" : "corpus texts";
      float[][] out = new float[texts.size()][];
      long started = System.nanoTime();
      for (int from = 0; from < texts.size(); from += PROGRESS_CHUNK) {
        int to = Math.min(texts.size(), from + PROGRESS_CHUNK);
        float[][] part = enc.encode(texts.subList(from, to), prompt);
        System.arraycopy(part, 0, out, from, part.length);
        double seconds = (System.nanoTime() - started) / 1e9, rate = to / seconds;
        err.printf(Locale.ROOT, "embedded %,d of %,d %s (%.0f texts/s%s)%n", to, texts.size(), what, rate,
            to < texts.size() ? String.format(Locale.ROOT, ", about %.0f s left", (texts.size() - to) / rate) : "");
      }
      if (what.equals("corpus texts")) err.println("scoring, block by block ...");
      return out;
    };
  }

  private static Double decimal(Options o, String name) {
    if (!o.has(name)) return null;
    float v = o.number(name, 0f);
    if (!Float.isFinite(v)) throw new Main.UsageException(name + " needs a finite number, got " + o.text(name, ""));
    return Double.parseDouble(o.text(name, "0"));
  }

  private static long seed(Options o) {
    String v = o.text("--seed", "42");
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new Main.UsageException("--seed needs an integer, got '" + v + "'");
    }
  }

  private static HardNegativeMiner.Sampling sampling(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "top" -> HardNegativeMiner.Sampling.TOP;
      case "random" -> HardNegativeMiner.Sampling.RANDOM;
      default -> throw new Main.UsageException("--sampling must be top or random, got '" + s + "'");
    };
  }

  private static HardNegativeMiner.OutputFormat format(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "triplet", "triplets" -> HardNegativeMiner.OutputFormat.TRIPLET;
      case "n-tuple", "n_tuple", "ntuple" -> HardNegativeMiner.OutputFormat.N_TUPLE;
      default -> throw new Main.UsageException("--format must be triplet or n-tuple, got '" + s + "'");
    };
  }

  private static List<String> corpus(Path file) throws IOException {
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt")) {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!line.isEmpty()) out.add(line);
      return out;
    }
    Dataset d = DatasetReader.read(file, null);
    List<String> out = new ArrayList<>(d.size());
    for (int r = 0; r < d.size(); r++) out.add(d.text(r, 0));
    return out;
  }

  private static void write(Dataset d, Path output) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    try (BufferedWriter w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
      for (int r = 0; r < d.size(); r++) {
        ObjectNode row = json.createObjectNode();
        for (int c = 0; c < d.textColumns().size(); c++) row.put(d.textColumns().get(c), d.text(r, c));
        w.write(json.writeValueAsString(row));
        w.newLine();
      }
    }
  }
}
