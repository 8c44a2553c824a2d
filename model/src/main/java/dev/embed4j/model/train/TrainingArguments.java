package dev.embed4j.model.train;

import dev.embed4j.model.data.BatchSamplers;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A training run's hyper-parameters as one immutable value, as sentence-transformers'
 * {@code SentenceTransformerTrainingArguments}; {@link #defaults()} are that class's defaults where they
 * apply, and each {@code withX} returns a copy with one field changed:
 *
 * <pre>{@code
 * var args = TrainingArguments.defaults().withOutputDir(Path.of("runs/x")).withEpochs(3).withLearningRate(2e-5f);
 * Trainer.builder().model(encoder).task("retrieval", pairs, new MultipleNegativesRankingLoss()).args(args).build().fit();
 * }</pre>
 *
 * @param outputDir where checkpoints, metrics and the final model go (null: nothing is written)
 * @param batchSize examples per step ({@code per_device_train_batch_size})
 * @param epochs passes over the data ({@code num_train_epochs}); ignored when maxSteps is positive
 * @param maxSteps steps to take, or -1 to run whole epochs
 * @param learningRate AdamW's peak rate, reached after the warm-up and then decayed linearly to 0
 * @param warmupRatio the share of the steps spent warming up
 * @param weightDecay AdamW's decoupled weight decay (not on biases and LayerNorm weights)
 * @param maxGradNorm gradients are clipped to this global norm (0: no clipping)
 * @param seed the seed of the batch order and the dropout masks
 * @param batchSampler how each dataset is cut into batches ({@code batch_sampler}; default NO_DUPLICATES)
 * @param dropLast each epoch's last partial batch of a dataset is dropped ({@code dataloader_drop_last};
 *     true here, where ST's default is false: a stub batch has few in-batch negatives)
 * @param sampler how batches of several datasets take turns ({@code multi_dataset_batch_sampler})
 * @param checkpointEvery a checkpoint every this many steps ({@code save_steps}; 0: none)
 * @param keepCheckpoints how many checkpoints to keep ({@code save_total_limit})
 * @param evalEvery evaluate every this many steps ({@code eval_steps}); 0 only at the end, -1 never
 * @param evalAtStart also evaluate before the first step
 * @param onNonFinite what a NaN or infinite loss, gradient or embedding does
 * @param balanceTasks scale each task's gradient by the inverse of its running gradient norm, so that
 *     every task moves the shared encoder equally (see {@link TaskBalancer})
 * @param balanceDecay the decay β of that running norm (an exponential moving average), in [0, 1)
 */
public record TrainingArguments(Path outputDir, int batchSize, int epochs, int maxSteps, float learningRate, float warmupRatio,
    float weightDecay, float maxGradNorm, long seed, BatchSamplers batchSampler, boolean dropLast,
    MultiDatasetBatchSampler.Mode sampler, int checkpointEvery, int keepCheckpoints, int evalEvery, boolean evalAtStart,
    Trainer.OnNonFinite onNonFinite, boolean balanceTasks, float balanceDecay) {

  public TrainingArguments {
    if (sampler == null) throw new IllegalArgumentException("training arguments: sampler must not be null (PROPORTIONAL or ROUND_ROBIN)");
    if (batchSampler == null) {
      throw new IllegalArgumentException("training arguments: batchSampler must not be null (BATCH_SAMPLER, NO_DUPLICATES,"
          + " NO_DUPLICATES_HASHED or GROUP_BY_LABEL)");
    }
    if (onNonFinite == null) throw new IllegalArgumentException("training arguments: onNonFinite must not be null (STOP or SKIP)");
    if (!(balanceDecay >= 0 && balanceDecay < 1)) {
      throw new IllegalArgumentException("training arguments: balanceDecay must be in [0, 1), got " + balanceDecay);
    }
  }

  /** sentence-transformers' defaults: batch 8 there is 32 here, as this project's trainer always had. */
  public static TrainingArguments defaults() {
    return new TrainingArguments(null, 32, 1, -1, 5e-5f, 0.1f, 0.01f, 1f, 42, BatchSamplers.NO_DUPLICATES, true,
        MultiDatasetBatchSampler.Mode.PROPORTIONAL, 0, 2, 0, false, Trainer.OnNonFinite.STOP, false, 0.9f);
  }

  /** Batches hold no text twice: {@code batchSampler() == NO_DUPLICATES} (or its hashed form). */
  public boolean noDuplicates() {
    return batchSampler == BatchSamplers.NO_DUPLICATES || batchSampler == BatchSamplers.NO_DUPLICATES_HASHED;
  }

  private TrainingArguments with(Consumer<Trainer.Builder> change) {
    Trainer.Builder b = Trainer.builder().args(this);
    change.accept(b);
    return b.args();
  }

  public TrainingArguments withOutputDir(Path v) { return with(b -> b.outputDir(v)); }
  public TrainingArguments withBatchSize(int v) { return with(b -> b.batchSize(v)); }
  public TrainingArguments withEpochs(int v) { return with(b -> b.epochs(v)); }
  public TrainingArguments withMaxSteps(int v) { return with(b -> b.maxSteps(v)); }
  public TrainingArguments withLearningRate(float v) { return with(b -> b.learningRate(v)); }
  public TrainingArguments withWarmupRatio(float v) { return with(b -> b.warmupRatio(v)); }
  public TrainingArguments withWeightDecay(float v) { return with(b -> b.weightDecay(v)); }
  public TrainingArguments withMaxGradNorm(float v) { return with(b -> b.maxGradNorm(v)); }
  public TrainingArguments withSeed(long v) { return with(b -> b.seed(v)); }
  /** NO_DUPLICATES when true, BATCH_SAMPLER when false. */
  public TrainingArguments withNoDuplicates(boolean v) { return with(b -> b.noDuplicates(v)); }
  public TrainingArguments withBatchSampler(BatchSamplers v) { return with(b -> b.batchSampler(v)); }
  public TrainingArguments withDropLast(boolean v) { return with(b -> b.dropLast(v)); }
  public TrainingArguments withSampler(MultiDatasetBatchSampler.Mode v) { return with(b -> b.sampler(v)); }
  public TrainingArguments withCheckpointEvery(int v) { return with(b -> b.checkpointEvery(v)); }
  public TrainingArguments withKeepCheckpoints(int v) { return with(b -> b.keepCheckpoints(v)); }
  public TrainingArguments withEvalEvery(int v) { return with(b -> b.evalEvery(v)); }
  public TrainingArguments withEvalAtStart(boolean v) { return with(b -> b.evalAtStart(v)); }
  public TrainingArguments withOnNonFinite(Trainer.OnNonFinite v) { return with(b -> b.onNonFinite(v)); }
  public TrainingArguments withBalanceTasks(boolean v) { return with(b -> b.balanceTasks(v)); }
  public TrainingArguments withBalanceDecay(float v) { return with(b -> b.balanceDecay(v)); }
}
