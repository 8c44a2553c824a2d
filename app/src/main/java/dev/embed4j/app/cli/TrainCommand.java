package dev.embed4j.app.cli;

import dev.embed4j.app.report.ConsoleTraining;
import dev.embed4j.engine.Device;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.train.EncoderTrainable;
import dev.embed4j.model.train.TrainConfig;
import dev.embed4j.model.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code embed4j train CONFIG}: multi-task training from a JSON or YAML file. */
final class TrainCommand {
  private TrainCommand() {}

  static final String HELP = """
      usage: embed4j train CONFIG [--resume DIR] [--max-steps N] [--output DIR] [--device D] [--precision P]

      Trains a model as CONFIG (JSON or YAML) describes: the model to start from, datasets (JSONL, CSV or
      TSV) with their columns, prompts and one loss each, the sampler and the hyper-parameters. Example:

        model: default
        output: runs/my-model
        datasets:
          - name: retrieval
            path: queries.jsonl
            loss: MultipleNegativesRankingLoss
            prompts: {anchor: "query: "}
          - name: symmetric
            path: pairs.csv
            loss: MultipleNegativesSymmetricRankingLoss
            weight: 0.5          # this task's gradient on the shared encoder is multiplied by it (default 1)
          - name: triplets
            path: triplets.jsonl  # anchor, positive, negative
            loss: {type: TripletLoss, distance_metric: cosine, triplet_margin: 0.5}
        batch_size: 32
        max_steps: 1000
        checkpoint_every: 200
        batch_sampler: no_duplicates   # or batch, no_duplicates_hashed, group_by_label
        drop_last: true        # drop each dataset's last partial batch of an epoch
        balance_tasks: false   # true: each task's gradient scaled by 1 / its running gradient norm
        balance_decay: 0.9     # β of that running norm (an exponential moving average)
        device: cpu            # or cuda, cuda:N
        on_non_finite: stop    # a NaN or infinite loss or gradient: stop (default) or skip the step
        evaluators:            # run at the end, and every eval_every steps
          - {type: retrieval, path: dev.jsonl, query_prompt: "query: ", matryoshka_dims: [384, 128]}
          - {type: similarity, path: sts.csv}
          - {type: triplet, path: dev-triplets.jsonl, similarities: [cosine, dot], margin: 0}
        eval_main_score: mean  # several evaluators: last (default), first or mean of their primary scores
        eval_every: 100

      Losses ({type: NAME, key: value, ...}, or just NAME), with their keys:
        MultipleNegativesRankingLoss  scale, similarity (cosine, dot), directions ([query_to_doc] default;
                                  query_to_query, doc_to_query, doc_to_doc), partition_mode (joint, per_direction),
                                  hardness_mode (in_batch_negatives, hard_negatives, all_negatives) with
                                  hardness_strength (> 0; LLaVE 9 in-batch, EmbeddingGemma 5 hard negatives)
        MultipleNegativesSymmetricRankingLoss    scale, similarity
        CachedMultipleNegativesRankingLoss    the same as MultipleNegativesRankingLoss, and
                                  mini_batch_size (default 32), mini_batch_num_tokens
        CachedMultipleNegativesSymmetricRankingLoss
                                  scale, similarity, mini_batch_size (default 32), mini_batch_num_tokens
        CoSENTLoss                scale, similarity      (sentence1, sentence2, score)
        AnglELoss                 scale                  (sentence1, sentence2, score)
        CosineSimilarityLoss                             (sentence1, sentence2, score in [-1, 1])
        TripletLoss               distance_metric (euclidean, cosine, manhattan), triplet_margin (default 5)
        MarginMSELoss             similarity (default dot)  (query, positive, negative, score = teacher margin)
        GISTEmbedLoss             guide (a model folder, Hugging Face id or default; required), temperature (0.01),
                                  margin_strategy (absolute, relative), margin (0), contrast_anchors, contrast_positives
        CachedGISTEmbedLoss       the same, and mini_batch_size, mini_batch_num_tokens
      Every loss but GISTEmbedLoss also takes matryoshka_dims [768, 512, ...], matryoshka_weights [...]
      and n_dims_per_step (a cached loss is then wrapped in CachedMatryoshkaLoss, others in MatryoshkaLoss).
      mini_batch_num_tokens: a token budget per mini-batch, padded tokens counted by the model's tokenizer.

      options:
        --resume DIR     continue from a checkpoint (or the newest one under a run folder)
        --max-steps N    override max_steps
        --output DIR     override output
        --device D       override device: cpu (default), cuda or cuda:N. The model, its gradients and
                         AdamW's moments all live there; checkpoints are written from it and read back
                         to it. cuda needs the embed4j-native module on the class path, which ./embed4j
                         adds when it sees --device cuda (or device: cuda in CONFIG)
        --precision P    override precision, for CUDA: fp32 (default; float32 throughout), tf32 (tensor
                         cores round matrix inputs to 10-bit mantissas: faster, ~1e-3 relative error) or
                         bf16 (mixed precision: 8-bit mantissas in the products, float32 accumulation,
                         float32 weights, activations and gradients)
        -h, --help       this message; every option also takes --name=VALUE
      """;

  static int run(String[] args, PrintStream out) throws IOException {
    Options o = Options.parse(args, Set.of("--resume", "--max-steps", "--output", "--device", "--precision"), Set.of());
    if (o.help) {
      out.print(HELP);
      return 0;
    }
    if (o.positional().size() != 1) throw new Main.UsageException("expected one CONFIG file");
    DeviceOptions d = DeviceOptions.of(o);
    int maxSteps = o.integer("--max-steps", -1, 1); // a usage error before the config is read
    TrainConfig c = TrainConfig.read(Path.of(o.positional().get(0)));
    if (o.has("--max-steps")) c.maxSteps = maxSteps;
    if (o.has("--output")) c.output = o.path("--output");
    if (o.has("--device")) c.device = d.device();
    if (o.has("--precision")) c.precision = d.precision();
    new DeviceOptions(c.device, c.precision).open(); // a device that cannot be used fails before the model loads
    SentenceEncoder enc = (c.model.equals("default") ? SentenceEncoder.defaultModel() : SentenceEncoder.load(c.model))
        .withMaxSeqLength(c.maxSeqLength).withDevice(c.device);
    EncoderTrainable model = new EncoderTrainable(enc);
    c.bind(model); // GIST guides load, token budgets count with the model's tokenizer
    if (!c.device.equals(Device.CPU)) {
      out.println("training on " + c.device + (c.precision == null ? "" : " (" + c.precision + " matrix products)"));
    }
    Trainer.Builder b = Trainer.builder().model(model).prompts(c.prompts).sampler(c.sampler)
        .batchSize(c.batchSize).epochs(c.epochs).maxSteps(c.maxSteps).learningRate(c.learningRate).warmupRatio(c.warmupRatio)
        .weightDecay(c.weightDecay).maxGradNorm(c.maxGradNorm).seed(c.seed).batchSampler(c.batchSampler).dropLast(c.dropLast).onNonFinite(c.onNonFinite)
        .balanceTasks(c.balanceTasks).balanceDecay(c.balanceDecay)
        .checkpointEvery(c.checkpointEvery).outputDir(c.output).listener(new ConsoleTraining(out));
    if (c.evaluator == null) {
      b.evalEvery(-1);
    } else {
      b.evaluation("eval", c.evaluator::evaluate).evalEvery(c.evalEvery).evalAtStart(c.evalAtStart);
    }
    for (Trainer.Task t : c.tasks) b.task(t.name(), t.dataset(), t.loss(), t.weight());
    if (o.has("--resume")) b.resumeFrom(o.path("--resume"));
    Trainer.Result r = b.build().fit();
    ConsoleTraining.plot(c.output, out);
    out.println("trained " + r.steps() + " steps; model saved to " + c.output.resolve("final"));
    return 0;
  }
}
