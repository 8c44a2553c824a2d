package dev.embed4j.app.cli;

import dev.embed4j.app.demo.Demo;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;

/** {@code embed4j demo}: fine-tune all-MiniLM-L6-v2 on WordNet and show the before/after table. */
final class DemoCommand {
  private DemoCommand() {}

  static final String HELP = """
      usage: embed4j demo [options]

      Fine-tunes all-MiniLM-L6-v2 on two tasks built from WordNet 3.1 that share one encoder: a reverse
      dictionary (definition -> lemmas and example; MultipleNegativesRankingLoss, prompt "query: " on
      queries) and pairs of texts about one sense (MultipleNegativesSymmetricRankingLoss, no prompt).
      Evaluates on held-out synsets before and after (retrieval MRR@10, NDCG@10; Spearman of cosine
      similarity against Wu-Palmer similarity) and saves the model, the metrics and their plot.

      options:
        --max-steps N        training steps (default %d)
        --batch-size N       pairs per step (default %d)
        --train-pairs N      training pairs per task (default %d)
        --max-seq-length N   tokens per text (default %d)
        --learning-rate LR   peak learning rate (default %s)
        --eval-queries N     held-out retrieval queries (default %d)
        --eval-pairs N       held-out graded pairs (default %d)
        --checkpoint-every N write a checkpoint every N steps (default: none)
        --balance-tasks      scale each task's update on the shared encoder to the tasks' mean gradient
                             norm (a running, bias-corrected mean per task), instead of their raw sizes
        --resume DIR         continue from a checkpoint (or the newest under a run folder)
        --model PATH         start from this model folder instead of all-MiniLM-L6-v2
        --seed N             (default %d)
        --output DIR         where the model, metrics.jsonl and metrics.png go (default %s)
        --device D           cpu (default), cuda or cuda:N: where the model trains and is evaluated; cuda
                             needs the embed4j-native module on the class path, which ./embed4j adds when
                             it sees --device cuda
        --precision P        matrix products on a CUDA device: fp32 (default; float32 throughout), tf32
                             (tensor cores round the inputs to 10-bit mantissas: faster, ~1e-3 relative error)
                             or bf16 (8-bit mantissas, float32 accumulation and master weights: fastest)
        -h, --help           this message; every option also takes --name=VALUE
      """;

  static int run(String[] args, PrintStream out) throws IOException {
    Demo.Options d = new Demo.Options();
    Options o = Options.parse(args, Set.of("--max-steps", "--batch-size", "--train-pairs", "--max-seq-length", "--learning-rate",
        "--eval-queries", "--eval-pairs", "--checkpoint-every", "--resume", "--model", "--seed", "--output", "--device",
        "--precision"), Set.of("--balance-tasks"));
    if (o.help) {
      out.printf(HELP, d.maxSteps, d.batchSize, d.trainPairsPerTask, d.maxSeqLength, d.learningRate, d.evalQueries, d.evalPairs,
          d.seed, d.output);
      return 0;
    }
    if (!o.positional().isEmpty()) throw new Main.UsageException("unexpected argument " + o.positional().get(0));
    d.maxSteps = o.integer("--max-steps", d.maxSteps, 1);
    d.batchSize = o.integer("--batch-size", d.batchSize, 2);
    d.trainPairsPerTask = o.integer("--train-pairs", d.trainPairsPerTask, 2);
    d.maxSeqLength = o.integer("--max-seq-length", d.maxSeqLength, 8);
    d.learningRate = o.number("--learning-rate", d.learningRate);
    d.evalQueries = o.integer("--eval-queries", d.evalQueries, 1);
    d.evalPairs = o.integer("--eval-pairs", d.evalPairs, 2);
    d.checkpointEvery = o.integer("--checkpoint-every", d.checkpointEvery, 0);
    d.balanceTasks = o.has("--balance-tasks");
    d.seed = o.integer("--seed", (int) d.seed, Integer.MIN_VALUE);
    if (o.has("--output")) d.output = o.path("--output");
    d.model = o.path("--model");
    d.resume = o.path("--resume");
    d.evalCorpus = Math.max(d.evalCorpus, d.evalQueries);
    d.device = DeviceOptions.of(o).open(); // a device that cannot be used fails before WordNet is read
    Demo.run(d, out);
    return 0;
  }
}
