package dev.embed4j.model.train;

import dev.embed4j.model.data.MultiDatasetBatchSampler;
import java.nio.file.Path;

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
 * @param noDuplicates batches hold no text twice ({@code BatchSamplers.NO_DUPLICATES}), else plain shuffled
 * @param sampler how batches of several datasets take turns ({@code multi_dataset_batch_sampler})
 * @param checkpointEvery a checkpoint every this many steps ({@code save_steps}; 0: none)
 * @param keepCheckpoints how many checkpoints to keep ({@code save_total_limit})
 * @param evalEvery evaluate every this many steps ({@code eval_steps}); 0 only at the end, -1 never
 * @param evalAtStart also evaluate before the first step
 * @param onNonFinite what a NaN or infinite loss, gradient or embedding does
 */
public record TrainingArguments(Path outputDir, int batchSize, int epochs, int maxSteps, float learningRate, float warmupRatio,
    float weightDecay, float maxGradNorm, long seed, boolean noDuplicates, MultiDatasetBatchSampler.Mode sampler,
    int checkpointEvery, int keepCheckpoints, int evalEvery, boolean evalAtStart, Trainer.OnNonFinite onNonFinite) {

  public TrainingArguments {
    if (sampler == null) throw new IllegalArgumentException("training arguments: sampler must not be null (PROPORTIONAL or ROUND_ROBIN)");
    if (onNonFinite == null) throw new IllegalArgumentException("training arguments: onNonFinite must not be null (STOP or SKIP)");
  }

  /** sentence-transformers' defaults: batch 8 there is 32 here, as this project's trainer always had. */
  public static TrainingArguments defaults() {
    return new TrainingArguments(null, 32, 1, -1, 5e-5f, 0.1f, 0.01f, 1f, 42, true,
        MultiDatasetBatchSampler.Mode.PROPORTIONAL, 0, 2, 0, false, Trainer.OnNonFinite.STOP);
  }

  public TrainingArguments withOutputDir(Path v) {
    return new TrainingArguments(v, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withBatchSize(int v) {
    return new TrainingArguments(outputDir, v, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withEpochs(int v) {
    return new TrainingArguments(outputDir, batchSize, v, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withMaxSteps(int v) {
    return new TrainingArguments(outputDir, batchSize, epochs, v, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withLearningRate(float v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, v, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withWarmupRatio(float v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, v, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withWeightDecay(float v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, v, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withMaxGradNorm(float v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, v, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withSeed(long v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, v,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withNoDuplicates(boolean v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        v, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withSampler(MultiDatasetBatchSampler.Mode v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, v, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withCheckpointEvery(int v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, v, keepCheckpoints, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withKeepCheckpoints(int v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, v, evalEvery, evalAtStart, onNonFinite);
  }

  public TrainingArguments withEvalEvery(int v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, v, evalAtStart, onNonFinite);
  }

  public TrainingArguments withEvalAtStart(boolean v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, v, onNonFinite);
  }

  public TrainingArguments withOnNonFinite(Trainer.OnNonFinite v) {
    return new TrainingArguments(outputDir, batchSize, epochs, maxSteps, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
        noDuplicates, sampler, checkpointEvery, keepCheckpoints, evalEvery, evalAtStart, v);
  }
}
