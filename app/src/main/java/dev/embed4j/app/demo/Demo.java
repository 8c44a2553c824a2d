package dev.embed4j.app.demo;

import dev.embed4j.app.report.ConsoleTraining;
import dev.embed4j.engine.Device;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.eval.EmbeddingSimilarityEvaluator;
import dev.embed4j.model.eval.InformationRetrievalEvaluator;
import dev.embed4j.model.eval.TextEmbedder;
import dev.embed4j.model.train.EncoderTrainable;
import dev.embed4j.model.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code embed4j demo}: fine-tunes all-MiniLM-L6-v2 on two WordNet 3.1 tasks that share the encoder
 * (a reverse dictionary with MultipleNegativesRankingLoss and the prompt {@code query: } on queries; pairs
 * of texts about one sense with MultipleNegativesSymmetricRankingLoss and no prompt), evaluates on
 * held-out synsets before and after, and saves the model, the metrics and their plot.
 */
public final class Demo {
  public static final String QUERY_PROMPT = "query: ";

  /** The demo's settings; the defaults finish within about ten minutes on two cores. */
  public static final class Options {
    public int maxSteps = 120;
    public int batchSize = 32;
    public int maxSeqLength = 64;
    public int trainPairsPerTask = 4000;
    public int evalQueries = 300;
    public int evalCorpus = 1500;
    public int evalPairs = 500;
    public float learningRate = 5e-5f;
    public long seed = 42;
    public int checkpointEvery = 0;
    /** Scales each task's update on the shared encoder to the tasks' mean gradient norm (Trainer.balanceTasks). */
    public boolean balanceTasks = false;
    public Path output = Path.of("runs", "demo");
    public Path model;
    public Path resume;
    /** Where the model trains and is evaluated; its backend must be on the class path. */
    public Device device = Device.CPU;
  }

  private Demo() {}

  public static Map<String, Double> evaluate(TextEmbedder model, InformationRetrievalEvaluator ir,
      EmbeddingSimilarityEvaluator sts) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.putAll(ir.evaluate(model));
    m.putAll(sts.evaluate(model));
    return m;
  }

  public static Map<String, Map<String, Double>> run(Options o, PrintStream out) throws IOException {
    long t0 = System.nanoTime();
    out.printf(Locale.ROOT, "embed4j demo: all-MiniLM-L6-v2 on WordNet 3.1, %s%n",
        o.device.equals(Device.CPU) ? Parallel.threads() + " threads" : "on " + o.device);
    out.println("reading WordNet 3.1 ...");
    WordNetTasks wn = WordNetTasks.load();
    Dataset retrieval = wn.retrieval(WordNetTasks.Split.TRAIN, o.trainPairsPerTask, o.seed);
    Dataset symmetric = wn.symmetric(WordNetTasks.Split.TRAIN, o.trainPairsPerTask, o.seed);
    var irData = wn.retrievalEval(WordNetTasks.Split.TEST, o.evalQueries, o.evalCorpus, o.seed);
    var graded = wn.wuPalmerPairs(WordNetTasks.Split.TEST, o.evalPairs, o.seed);
    out.printf(Locale.ROOT, "  %d senses; training on %d retrieval and %d symmetric pairs; evaluating on %d queries"
        + " over %d held-out documents and %d graded pairs%n", wn.senses().size(), retrieval.size(), symmetric.size(),
        irData.queries().size(), irData.corpus().size(), graded.scores().length);
    var ir = new InformationRetrievalEvaluator("wordnet-test", irData.queries(), irData.corpus(), irData.relevant(),
        QUERY_PROMPT, "");
    var sts = new EmbeddingSimilarityEvaluator("wu-palmer-test", graded.first(), graded.second(), graded.scores(), "");

    out.println("loading the model ...");
    SentenceEncoder encoder = (o.model == null ? SentenceEncoder.defaultModel() : SentenceEncoder.load(o.model))
        .withMaxSeqLength(o.maxSeqLength).withDevice(o.device);
    EncoderTrainable trainable = new EncoderTrainable(encoder);
    Files.createDirectories(o.output);
    Trainer.Builder tb = Trainer.builder().model(trainable)
        .task("retrieval", retrieval, EncoderLoss.of(new MultipleNegativesRankingLoss()))
        .task("symmetric", symmetric, EncoderLoss.of(new MultipleNegativesSymmetricRankingLoss()))
        .prompts(Prompts.none().datasetColumn("retrieval", "anchor", QUERY_PROMPT))
        .sampler(MultiDatasetBatchSampler.Mode.ROUND_ROBIN)
        .batchSize(o.batchSize).maxSteps(o.maxSteps).learningRate(o.learningRate).seed(o.seed)
        .checkpointEvery(o.checkpointEvery).balanceTasks(o.balanceTasks).outputDir(o.output).listener(new ConsoleTraining(out))
        .evaluation("held-out", m -> evaluate(m, ir, sts)).evalAtStart(o.resume == null).evalEvery(0);
    if (o.resume != null) tb.resumeFrom(o.resume);
    out.printf(Locale.ROOT, "evaluating, then training %d steps of %d pairs, then evaluating again ...%n", o.maxSteps,
        o.batchSize);
    Trainer.Result result = tb.build().fit();
    ConsoleTraining.plot(o.output, out);
    Map<String, Double> before = o.resume == null ? evalMetrics(result.history().get(0)) : null;
    Map<String, Double> after = evalMetrics(result.history().get(result.history().size() - 1));
    Map<String, Map<String, Double>> table = new LinkedHashMap<>();
    if (before != null) table.put("before", before);
    table.put("after", after);
    printTable(out, before, after);
    writeTable(o.output.resolve("before_after.json"), before, after);
    out.printf(Locale.ROOT, "%d steps; model: %s; metrics: %s; plot: %s; %.1f minutes in all%n", result.steps(),
        o.output.resolve("final"), o.output.resolve("metrics.jsonl"), o.output.resolve("metrics.png"),
        (System.nanoTime() - t0) / 60e9);
    return table;
  }

  private static Map<String, Double> evalMetrics(Map<String, Object> record) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (var e : record.entrySet()) {
      if (e.getKey().startsWith("eval_")) m.put(e.getKey().substring(5), ((Number) e.getValue()).doubleValue());
    }
    return m;
  }

  static void printTable(PrintStream out, Map<String, Double> before, Map<String, Double> after) {
    String[][] rows = {{"retrieval MRR@10", "wordnet-test_cosine_mrr@10"}, {"retrieval NDCG@10", "wordnet-test_cosine_ndcg@10"},
        {"retrieval Recall@1", "wordnet-test_cosine_recall@1"}, {"retrieval Recall@10", "wordnet-test_cosine_recall@10"},
        {"Wu-Palmer Spearman", "wu-palmer-test_spearman_cosine"}};
    out.println();
    out.println("| metric (held-out synsets) | before | after | change |");
    out.println("| --- | --- | --- | --- |");
    for (String[] r : rows) {
      double a = after.get(r[1]), b = before == null ? Double.NaN : before.get(r[1]);
      out.printf(Locale.ROOT, "| %s | %.4f | %.4f | %+.4f |%n", r[0], b, a, a - b);
    }
    out.println();
  }

  private static void writeTable(Path file, Map<String, Double> before, Map<String, Double> after) throws IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, Object> both = new LinkedHashMap<>();
    if (before != null) both.put("before", before);
    both.put("after", after);
    Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(both));
  }

  /** Entry point for quick runs without the CLI. */
  public static void main(String[] args) throws IOException {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--max-steps" -> o.maxSteps = Integer.parseInt(args[++i]);
        case "--output" -> o.output = Path.of(args[++i]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    run(o, System.out);
  }

}
