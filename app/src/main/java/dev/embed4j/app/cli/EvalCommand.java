package dev.embed4j.app.cli;

import dev.embed4j.engine.Device;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.DatasetReader;
import dev.embed4j.model.eval.EmbeddingSimilarityEvaluator;
import dev.embed4j.model.eval.InformationRetrievalEvaluator;
import dev.embed4j.model.train.EncoderTrainable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code embed4j eval}: retrieval or graded-similarity metrics of a model on a data file. */
final class EvalCommand {
  private EvalCommand() {}

  static final String HELP = """
      usage: embed4j eval --data FILE [--model PATH|ID] [--query-prompt P] [--device D] [--precision P]

      Evaluates a model on FILE (JSONL, CSV or TSV):
        - with a score/label column (sentence1, sentence2, score): Spearman and Pearson correlation
          of cosine similarity with the scores;
        - otherwise (anchor, positive): retrieval, each anchor's relevant document being its own
          positive, among all positives: MRR@10, NDCG@10, Recall@1/5/10, MAP@100.

      options:
        --model PATH|ID    model folder, or a Hugging Face id in the local cache (default: all-MiniLM-L6-v2)
        --query-prompt P   prompt for retrieval queries (e.g. "query: ")
        --device D         cpu (default), cuda or cuda:N; cuda needs the embed4j-native module on the
                           class path, which ./embed4j adds when it sees --device cuda
        --precision P      matrix products on a CUDA device: fp32 (default), tf32 or bf16
        -h, --help         this message; every option also takes --name=VALUE
      """;

  static int run(String[] args, PrintStream out) throws IOException {
    Options o = Options.parse(args, Set.of("--data", "--model", "--query-prompt", "--device", "--precision"), Set.of());
    if (o.help) {
      out.print(HELP);
      return 0;
    }
    if (!o.has("--data")) throw new Main.UsageException("--data FILE is required");
    Device device = DeviceOptions.of(o).open();
    Dataset d = DatasetReader.read(o.path("--data"), null);
    SentenceEncoder enc = (o.has("--model") ? SentenceEncoder.load(o.text("--model", null)) : SentenceEncoder.defaultModel())
        .withDevice(device);
    var model = new EncoderTrainable(enc).textEmbedder();
    if (d.textColumns().size() < 2) throw new IllegalArgumentException(o.path("--data") + ": needs two text columns, has " + d.textColumns());
    Map<String, Double> metrics;
    if (d.hasLabels()) {
      List<String> a = new ArrayList<>(), b = new ArrayList<>();
      double[] s = new double[d.size()];
      for (int i = 0; i < d.size(); i++) {
        a.add(d.text(i, 0));
        b.add(d.text(i, 1));
        s[i] = d.label(i);
      }
      metrics = new EmbeddingSimilarityEvaluator(d.name(), a, b, s, "").evaluate(model);
    } else {
      Map<String, String> queries = new LinkedHashMap<>(), corpus = new LinkedHashMap<>();
      Map<String, Set<String>> relevant = new HashMap<>();
      Map<String, String> docIds = new HashMap<>();
      for (int i = 0; i < d.size(); i++) {
        String doc = d.text(i, 1);
        String id = docIds.computeIfAbsent(doc, k -> "d" + docIds.size());
        corpus.put(id, doc);
        queries.put("q" + i, d.text(i, 0));
        relevant.put("q" + i, Set.of(id));
      }
      metrics = new InformationRetrievalEvaluator(d.name(), queries, corpus, relevant, o.text("--query-prompt", ""), "")
          .evaluate(model);
    }
    for (var e : metrics.entrySet()) out.printf(Locale.ROOT, "%-40s %.4f%n", e.getKey(), e.getValue());
    return 0;
  }
}
