package dev.embed4j.model.train;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.optim.AdamW;
import dev.embed4j.engine.optim.GradClip;
import dev.embed4j.engine.optim.LinearSchedule;
import dev.embed4j.engine.optim.ParamGroup;
import dev.embed4j.losses.Embedder;
import dev.embed4j.losses.EmbeddingLoss;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.model.ModelCardData;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.BatchSampler;
import dev.embed4j.model.data.BatchSamplers;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.eval.TextEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Multi-task training of one shared encoder, as sentence-transformers' trainer does it: each batch comes
 * from one dataset and uses that dataset's loss; AdamW (no weight decay on biases and LayerNorm weights),
 * linear warm-up and decay, clipping by global norm, dropout on while training.
 *
 * <p>Checkpoints ({@code output/checkpoint-STEP}) hold the model folder, the optimiser's moments, and the
 * trainer's position (epoch, batch within the epoch, the dropout generator's state). The batch plan of an
 * epoch is a pure function of the seed and the epoch, so resuming from a checkpoint replays exactly the
 * batches, masks and updates an uninterrupted run would have made. Each checkpoint is written to a
 * temporary folder and renamed into place, so a crash never leaves a half-written one.
 *
 * <p>The trainer prints nothing and draws nothing: progress and messages go to a {@link TrainingListener},
 * metrics to {@code metrics.jsonl} in the output folder.
 */
public final class Trainer {
  /**
   * One dataset with its loss and the weight of its gradient on the shared encoder (1 by default; see
   * {@link TaskBalancer}).
   */
  public record Task(String name, Dataset dataset, EncoderLoss<PromptedText> loss, float weight) {
    public Task {
      if (!(weight >= 0) || !Float.isFinite(weight)) {
        throw new IllegalArgumentException("task '" + name + "': weight must be a finite number ≥ 0, got " + weight);
      }
    }

    public Task(String name, Dataset dataset, EncoderLoss<PromptedText> loss) {
      this(name, dataset, loss, 1f);
    }
  }

  /** An evaluation, named, returning metrics by name. */
  public record Evaluation(String name, Function<TextEmbedder, Map<String, Double>> run) {}

  /**
   * Thrown when training diverges: the loss, the gradient norm or the embeddings became NaN or infinite.
   * The message names the step and the last good checkpoint.
   */
  public static final class DivergedException extends RuntimeException {
    DivergedException(String message) {
      super(message);
    }
  }

  /** What a step whose loss, gradient norm or embeddings are NaN or infinite does. */
  public enum OnNonFinite {
    /** Stop the run (the default): the message names the step and the last good checkpoint. */
    STOP,
    /**
     * Skip the step: no optimiser update, the batch counts as consumed and is logged with {@code skipped}.
     * After {@value Trainer#MAX_SKIPS_IN_A_ROW} skipped steps in a row the weights themselves are taken to
     * be the cause, and the run stops.
     */
    SKIP
  }

  static final int MAX_SKIPS_IN_A_ROW = 10;

  /** An embedding the model produced holds a NaN or an infinity: the weights, not the batch, diverged. */
  private static final class NonFiniteEmbedding extends RuntimeException {
    NonFiniteEmbedding() {
      super(null, null, false, false);
    }
  }

  private final Builder c;

  private Trainer(Builder c) {
    this.c = c;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The hyper-parameters of this run. */
  public TrainingArguments args() {
    return c.args();
  }

  /** What a run did: steps taken, the last loss per dataset, the metrics of each evaluation. */
  public record Result(int steps, Map<String, Double> lastLoss, List<Map<String, Object>> history) {}

  public Result fit() {
    Trainable model = c.model;
    List<BatchSampler> samplers = new ArrayList<>();
    float[] weights = new float[c.tasks.size()];
    for (int i = 0; i < weights.length; i++) {
      Task t = c.tasks.get(i);
      samplers.add(c.batchSampler.of(t.dataset(), c.batchSize, c.seed, c.dropLast));
      weights[i] = t.weight();
    }
    TaskBalancer balancer = new TaskBalancer(weights, c.balanceTasks, c.balanceDecay);
    MultiDatasetBatchSampler sampler = new MultiDatasetBatchSampler(samplers, c.samplerMode, c.seed);
    int perEpoch = sampler.epoch(0).size();
    if (perEpoch == 0) {
      throw new IllegalArgumentException("no full batch of " + c.batchSize + " in the datasets "
          + c.tasks.stream().map(t -> t.name() + " (" + t.dataset().size() + " rows)").toList());
    }
    int total = c.maxSteps > 0 ? c.maxSteps : c.epochs * perEpoch;

    LinkedHashMap<String, Tensor> params = model.namedParameters();
    List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
    for (var e : params.entrySet()) (isNoDecay(e.getKey()) ? noDecay : decay).add(e.getValue().requiresGrad(true));
    AdamW opt = new AdamW(List.of(new ParamGroup(decay, c.weightDecay), new ParamGroup(noDecay, 0f)), c.learningRate,
        0.9f, 0.999f, 1e-8f);
    LinearSchedule schedule = new LinearSchedule(c.learningRate, (int) Math.ceil(total * c.warmupRatio), total);
    Generator random = new Generator(c.seed);
    ModelCardData card = model.modelCardData();
    if (card != null) recordTraining(card);

    int step = 0, epoch = 0, batchInEpoch = 0;
    if (c.outputDir != null) {
      for (String tmp : Checkpoint.clearTemporary(c.outputDir)) c.listener.message("removed " + tmp + ", a checkpoint a stopped run left unfinished");
    }
    Path resumeFrom = c.resumeFrom == null ? null : resumable(c.resumeFrom, c.listener::message);
    if (resumeFrom != null) {
      Checkpoint.State s = Checkpoint.load(resumeFrom, model, opt, params);
      step = s.step();
      epoch = s.epoch();
      batchInEpoch = s.batchInEpoch();
      random.setState(s.generatorState());
      if (s.taskBalancer() != null) balancer.setState(s.taskBalancer());
      c.listener.message("resumed from " + resumeFrom + " at step " + step);
    }
    MetricsLog log = null;
    if (c.outputDir != null) {
      Path metrics = c.outputDir.resolve("metrics.jsonl");
      MetricsLog.keepUpTo(metrics, step, c.listener::message); // a fresh run starts a new log; a resumed one drops what came after its checkpoint
      log = new MetricsLog(metrics);
    }
    List<Map<String, Object>> history = new ArrayList<>();
    Map<String, Double> lastLoss = new LinkedHashMap<>();
    Path lastGood = resumeFrom;
    if (c.evalAtStart && resumeFrom == null && !c.evaluations.isEmpty()) {
      Map<String, Object> rec = new LinkedHashMap<>();
      rec.put("step", 0);
      rec.putAll(evaluate(model));
      record(log, history, rec);
    }
    // timed from here, so the rates and the time left do not count the evaluation before the first step
    c.listener.started(step, total);
    long started = System.nanoTime();
    int samples = 0, skippedInARow = 0;
    Checkpoint.Pending pending = null;
    Embedder<PromptedText> inner = model.embedder();
    Embedder<PromptedText> checked = (inputs, rnd) -> {
      Tensor e = inner.embed(inputs, rnd);
      if (!Checkpoint.isFinite(e)) throw new NonFiniteEmbedding();
      return e;
    };
    model.setTraining(true);
    try {
      List<MultiDatasetBatchSampler.BatchRef> plan = sampler.epoch(epoch);
      while (step < total) {
        if (batchInEpoch >= plan.size()) {
          epoch++;
          batchInEpoch = 0;
          plan = sampler.epoch(epoch);
        }
        MultiDatasetBatchSampler.BatchRef ref = plan.get(batchInEpoch);
        Task task = c.tasks.get(ref.dataset());
        double scale = 1;
        List<List<PromptedText>> columns = columns(task, ref.rows());
        float[] labels = task.dataset().hasLabels() ? labels(task.dataset(), ref.rows()) : null;

        schedule.apply(opt, step);
        opt.zeroGrad();
        // the global norm is computed even without clipping, so a NaN or infinite gradient never reaches AdamW
        String bad = null;
        float value = Float.NaN;
        double norm = Double.NaN, applied = Double.NaN;
        Tensor loss = null;
        try {
          loss = task.loss().forward(checked, columns, labels, random);
        } catch (NonFiniteEmbedding e) {
          bad = "the model's embeddings became NaN or infinite";
        }
        if (bad == null && pending != null) { // the weights it holds gave finite embeddings: resumable
          lastGood = pending.commit();
          pending = null;
        }
        if (bad == null) {
          value = loss.item();
          if (!Float.isFinite(value)) bad = "the loss of dataset '" + task.name() + "' became " + value;
        }
        if (bad == null) {
          loss.backward();
          double raw = GradClip.globalNorm(opt.parameters());
          if (!Double.isFinite(raw)) {
            bad = "the gradient norm of dataset '" + task.name() + "' became " + raw;
          } else {
            // balancing scales the gradient, clipping by global norm (as clip_grad_norm_) bounds it, and the task's
            // weight scales what is left: a weight applied before the clip was undone by it whenever it bound (in the
            // WordNet demo every step: norms near 11 against max_grad_norm 1), so weights changed nothing
            scale = balancer.scale(ref.dataset(), raw);
            double weight = weights[ref.dataset()], balance = weight > 0 ? scale / weight : 0;
            norm = raw * scale;
            double clip = c.maxGradNorm > 0 ? Math.min(1.0, c.maxGradNorm / (raw * balance + 1e-6)) : 1.0;
            double factor = scale * clip;
            applied = raw * factor;
            if (factor != 1.0) {
              for (Tensor p : opt.parameters()) if (p.grad() != null) p.grad().scaleInPlace((float) factor);
            }
          }
        }
        if (bad != null && (c.onNonFinite == OnNonFinite.STOP || ++skippedInARow > MAX_SKIPS_IN_A_ROW)) {
          if (pending != null) pending.discard();
          pending = null;
          throw new DivergedException("training stopped: the loss diverged at step " + (step + 1) + ": " + bad
              + (c.onNonFinite == OnNonFinite.SKIP ? " (" + MAX_SKIPS_IN_A_ROW + " steps in a row skipped before it)" : "")
              + (lastGood == null ? "; no checkpoint was written yet" : "; the last good checkpoint is " + lastGood)
              + "; a lower learning_rate or max_grad_norm may help");
        }
        if (bad == null) {
          skippedInARow = 0;
          opt.step();
        } else {
          opt.zeroGrad();
        }
        step++;
        batchInEpoch++;
        samples += ref.rows().length;
        if (bad == null) lastLoss.put(task.name(), (double) value);

        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", step);
        rec.put("epoch", epoch + (double) batchInEpoch / plan.size());
        if (bad == null) {
          rec.put("loss/" + task.name(), (double) value);
          rec.put("grad_norm", norm);
          rec.put("grad_norm_applied", applied);
          if (scale != 1.0) rec.put("task_scale/" + task.name(), scale);
        } else {
          rec.put("skipped", bad); // JSON has no NaN: the reason stands in for the loss
          c.listener.message("step " + step + " skipped: " + bad);
        }
        rec.put("lr", (double) opt.learningRate());
        rec.put("samples_per_second", samples / ((System.nanoTime() - started) / 1e9));
        if (c.evalEvery > 0 && step % c.evalEvery == 0 && step < total) rec.putAll(evaluate(model));
        record(log, history, rec);
        c.listener.step(step, total, task.name(), value, rec);
        if (c.outputDir != null && c.checkpointEvery > 0 && step % c.checkpointEvery == 0) {
          if (pending != null) pending.discard(); // never confirmed: the steps since were all skipped
          try {
            pending = Checkpoint.write(c.outputDir, step, epoch, batchInEpoch, random.state(),
                c.balanceTasks ? balancer.state() : null, model, opt, params, c.keepCheckpoints);
          } catch (DivergedException e) {
            throw new DivergedException(e.getMessage() + (lastGood == null ? "; no checkpoint was written yet"
                : "; the last good checkpoint is " + lastGood));
          }
        }
      }
      if (pending != null) { // the last step's: its weights are also the final model's
        lastGood = pending.commit();
        pending = null;
      }
      if (c.evalEvery >= 0 && !c.evaluations.isEmpty()) {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", step);
        rec.putAll(evaluate(model));
        record(log, history, rec);
      }
    } finally {
      model.setTraining(false);
      if (log != null) log.close();
      if (pending != null) pending.discard();
    }
    if (card != null) card.results(history, lastEvaluation(history));
    if (c.outputDir != null) {
      model.save(c.outputDir.resolve("final"));
    }
    return new Result(step, lastLoss, history);
  }

  /**
   * The checkpoint to resume from: {@code from} itself when it is a checkpoint folder (an error when it
   * cannot be resumed from), else the newest complete checkpoint with finite weights under the run folder
   * {@code from}; each newer one passed over is reported to {@code out} with the reason.
   */
  static Path resumable(Path from, Consumer<String> out) {
    if (Files.exists(from.resolve(Checkpoint.STATE))) {
      String problem = Checkpoint.problem(from);
      if (problem != null) throw new IllegalArgumentException("cannot resume from " + from + ": " + problem);
      return from;
    }
    for (Path p : Checkpoint.newestFirst(from)) {
      String problem = Checkpoint.problem(p);
      if (problem == null) return p;
      out.accept("skipped " + p.getFileName() + ": " + problem);
    }
    throw new IllegalArgumentException("cannot resume: no complete checkpoint with finite weights in " + from);
  }

  /** The model card's account of this run: datasets, their losses and the hyper-parameters beside their defaults. */
  private void recordTraining(ModelCardData card) {
    List<ModelCardData.DatasetInfo> datasets = new ArrayList<>();
    Map<String, ModelCardData.LossInfo> losses = new LinkedHashMap<>();
    for (Task t : c.tasks) {
      List<String> columns = new ArrayList<>(t.dataset().textColumns());
      Map<String, String> prompts = new LinkedHashMap<>();
      for (String col : columns) {
        String p = c.prompts.prompt(t.name(), col);
        if (p != null && !p.isEmpty()) prompts.put(col, p);
      }
      if (t.dataset().hasLabels()) columns.add(t.dataset().labelColumn());
      datasets.add(new ModelCardData.DatasetInfo(t.name(), t.dataset().size(), columns, prompts));
      losses.put(t.name(), LossDescription.of(t.loss()));
    }
    card.training(datasets, losses, hyperParameters(c.args()), hyperParameters(TrainingArguments.defaults()));
  }

  /** The arguments by snake_case name, as sentence-transformers' cards list them. */
  private static Map<String, Object> hyperParameters(TrainingArguments a) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (var rc : TrainingArguments.class.getRecordComponents()) {
      try {
        out.put(rc.getName().replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT), rc.getAccessor().invoke(a));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** The metrics of the last record that has any, without their {@code eval_} prefix. */
  private static Map<String, Object> lastEvaluation(List<Map<String, Object>> history) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = history.size() - 1; i >= 0 && out.isEmpty(); i--) {
      history.get(i).forEach((k, v) -> {
        if (k.startsWith("eval_")) out.put(k.substring(5), v);
      });
    }
    return out;
  }

  private static void record(MetricsLog log, List<Map<String, Object>> history, Map<String, Object> rec) {
    history.add(rec);
    if (log != null) log.log(rec);
  }

  private Map<String, Object> evaluate(Trainable model) {
    model.setTraining(false);
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      for (Evaluation e : c.evaluations) {
        for (var m : e.run().apply(model.textEmbedder()).entrySet()) out.put("eval_" + m.getKey(), m.getValue());
      }
    } finally {
      model.setTraining(true);
    }
    return out;
  }

  private List<List<PromptedText>> columns(Task task, int[] rows) {
    List<List<PromptedText>> cols = new ArrayList<>();
    List<String> names = task.dataset().textColumns();
    for (int col = 0; col < names.size(); col++) {
      String prompt = c.prompts.prompt(task.name(), names.get(col));
      List<PromptedText> texts = new ArrayList<>(rows.length);
      for (int r : rows) texts.add(new PromptedText(prompt, task.dataset().text(r, col)));
      cols.add(texts);
    }
    return cols;
  }

  private static float[] labels(Dataset d, int[] rows) {
    float[] l = new float[rows.length];
    for (int i = 0; i < rows.length; i++) l[i] = d.label(rows[i]);
    return l;
  }

  /** Biases and LayerNorm weights get no weight decay (as transformers' and sentence-transformers' trainers). */
  static boolean isNoDecay(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith("bias") || n.contains("layernorm") || n.contains("layer_norm");
  }

  /** The trainer's settings; defaults follow sentence-transformers' training arguments where they apply. */
  public static final class Builder {
    private Trainable model;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Evaluation> evaluations = new ArrayList<>();
    private Prompts prompts = Prompts.none();
    private int batchSize = 32, epochs = 1, maxSteps = -1, checkpointEvery = 0, evalEvery = 0, keepCheckpoints = 2;
    private float learningRate = 5e-5f, warmupRatio = 0.1f, weightDecay = 0.01f, maxGradNorm = 1f;
    private long seed = 42;
    private boolean dropLast = true, evalAtStart, balanceTasks;
    private float balanceDecay = 0.9f;
    private BatchSamplers batchSampler = BatchSamplers.NO_DUPLICATES;
    private OnNonFinite onNonFinite = OnNonFinite.STOP;
    private MultiDatasetBatchSampler.Mode samplerMode = MultiDatasetBatchSampler.Mode.PROPORTIONAL;
    private Path outputDir, resumeFrom;
    private TrainingListener listener = TrainingListener.NONE;

    public Builder model(Trainable m) { this.model = m; return this; }
    /** The encoder to train; training updates its own weights. */
    public Builder model(SentenceEncoder encoder) { return model(new EncoderTrainable(encoder)); }
    public Builder task(String name, Dataset d, EncoderLoss<PromptedText> loss) { return task(name, d, loss, 1f); }
    /** A task whose gradient on the encoder is multiplied by {@code weight} (see {@link TaskBalancer}). */
    public Builder task(String name, Dataset d, EncoderLoss<PromptedText> loss, float weight) { tasks.add(new Task(name, d.withName(name), loss, weight)); return this; }
    /** A dataset with a loss of its embeddings, such as {@code new MultipleNegativesRankingLoss()}. */
    public Builder task(String name, Dataset d, EmbeddingLoss loss) { return task(name, d, EncoderLoss.<PromptedText>of(loss)); }
    /** Every hyper-parameter at once; the single setters below change one each. */
    public Builder args(TrainingArguments a) {
      outputDir = a.outputDir();
      batchSize = a.batchSize();
      epochs = a.epochs();
      maxSteps = a.maxSteps();
      learningRate = a.learningRate();
      warmupRatio = a.warmupRatio();
      weightDecay = a.weightDecay();
      maxGradNorm = a.maxGradNorm();
      seed = a.seed();
      batchSampler = a.batchSampler();
      dropLast = a.dropLast();
      balanceTasks = a.balanceTasks();
      balanceDecay = a.balanceDecay();
      samplerMode = a.sampler();
      checkpointEvery = a.checkpointEvery();
      keepCheckpoints = a.keepCheckpoints();
      evalEvery = a.evalEvery();
      evalAtStart = a.evalAtStart();
      onNonFinite = a.onNonFinite();
      return this;
    }
    /** The hyper-parameters as set so far. */
    public TrainingArguments args() {
      return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm,
          seed, batchSampler, dropLast, samplerMode, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite,
          balanceTasks, balanceDecay);
    }
    public Builder evaluation(String name, Function<TextEmbedder, Map<String, Double>> run) { evaluations.add(new Evaluation(name, run)); return this; }
    public Builder prompts(Prompts p) { this.prompts = p; return this; }
    public Builder batchSize(int b) { this.batchSize = b; return this; }
    public Builder epochs(int e) { this.epochs = e; return this; }
    /** Stops after this many steps (overrides epochs when positive). */
    public Builder maxSteps(int s) { this.maxSteps = s; return this; }
    public Builder learningRate(float lr) { this.learningRate = lr; return this; }
    public Builder warmupRatio(float r) { this.warmupRatio = r; return this; }
    public Builder weightDecay(float wd) { this.weightDecay = wd; return this; }
    /** Clip gradients to this global norm (0 turns clipping off). */
    public Builder maxGradNorm(float n) { this.maxGradNorm = n; return this; }
    public Builder seed(long s) { this.seed = s; return this; }
    /** NO_DUPLICATES (the default) when true, BATCH_SAMPLER (plain shuffled batches) when false. */
    public Builder noDuplicates(boolean b) { this.batchSampler = b ? BatchSamplers.NO_DUPLICATES : BatchSamplers.BATCH_SAMPLER; return this; }
    /** How each dataset is cut into batches (ST's {@code batch_sampler}). */
    public Builder batchSampler(BatchSamplers s) { this.batchSampler = java.util.Objects.requireNonNull(s, "batchSampler"); return this; }
    /** Drop each dataset's last partial batch of an epoch (default true). */
    public Builder dropLast(boolean b) { this.dropLast = b; return this; }
    /** Scale each task's gradient by the inverse of its running gradient norm (see {@link TaskBalancer}). */
    public Builder balanceTasks(boolean b) { this.balanceTasks = b; return this; }
    /** The decay β of the running gradient norms that balancing divides by (default 0.9). */
    public Builder balanceDecay(float beta) { this.balanceDecay = beta; return this; }
    public Builder sampler(MultiDatasetBatchSampler.Mode m) { this.samplerMode = m; return this; }
    public Builder outputDir(Path p) { this.outputDir = p; return this; }
    public Builder checkpointEvery(int steps) { this.checkpointEvery = steps; return this; }
    public Builder keepCheckpoints(int n) { this.keepCheckpoints = n; return this; }
    /** Evaluate every N steps (and at the end); 0 evaluates only at the end, -1 never. */
    public Builder evalEvery(int steps) { this.evalEvery = steps; return this; }
    /** Also evaluate before the first step (logged as step 0), for a before/after comparison. */
    public Builder evalAtStart(boolean b) { this.evalAtStart = b; return this; }
    /** Continue from a checkpoint folder (or the newest checkpoint under a run's output folder). */
    public Builder resumeFrom(Path checkpoint) { this.resumeFrom = checkpoint; return this; }
    /** What a step with a NaN or infinite loss, gradient norm or embedding does (default: stop the run). */
    public Builder onNonFinite(OnNonFinite o) { this.onNonFinite = o; return this; }
    /** Where progress and messages go (default: nowhere; the trainer never prints). */
    public Builder listener(TrainingListener l) { this.listener = java.util.Objects.requireNonNull(l, "listener"); return this; }

    public Trainer build() {
      if (model == null) throw new IllegalStateException("Trainer: no model given");
      if (tasks.isEmpty()) throw new IllegalStateException("Trainer: no training dataset given");
      if (batchSize < 1) throw new IllegalArgumentException("Trainer: batch size must be >= 1, got " + batchSize);
      if (maxSteps <= 0 && epochs < 1) throw new IllegalArgumentException("Trainer: need epochs >= 1 or maxSteps >= 1");
      if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("Trainer: warmup ratio must be in [0, 1], got " + warmupRatio);
      if (!(learningRate >= 0 && Float.isFinite(learningRate))) {
        throw new IllegalArgumentException("Trainer: learning rate must be finite and >= 0, got " + learningRate);
      }
      if (!(balanceDecay >= 0 && balanceDecay < 1)) throw new IllegalArgumentException("Trainer: balance decay must be in [0, 1), got " + balanceDecay);
      if (resumeFrom != null && !Files.exists(resumeFrom.resolve(Checkpoint.STATE)) && Checkpoint.newestFirst(resumeFrom).isEmpty()) {
        throw new IllegalArgumentException("Trainer: no checkpoint in " + resumeFrom);
      }
      return new Trainer(this);
    }
  }
}
