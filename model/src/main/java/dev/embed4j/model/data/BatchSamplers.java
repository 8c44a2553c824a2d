package dev.embed4j.model.data;

/**
 * How one dataset's rows are cut into batches, as sentence-transformers' {@code BatchSamplers} (the
 * training argument {@code batch_sampler}); the trainer uses the same kind for every dataset.
 */
public enum BatchSamplers {
  /** Rows in a seeded shuffled order ({@link ShuffledBatchSampler}; ST's {@code BATCH_SAMPLER}). */
  BATCH_SAMPLER,
  /** No text twice in a batch ({@link NoDuplicatesBatchSampler}); the default here, as for in-batch negatives. */
  NO_DUPLICATES,
  /** The same rule on 64-bit hashes of the texts ({@link NoDuplicatesHashedBatchSampler}). */
  NO_DUPLICATES_HASHED,
  /** Every label in a batch at least twice ({@link GroupByLabelBatchSampler}), for batch-hard triplet losses. */
  GROUP_BY_LABEL;

  /** This kind of sampler over {@code dataset}; {@code dropLast} drops each epoch's last partial batch. */
  public BatchSampler of(Dataset dataset, int batchSize, long seed, boolean dropLast) {
    return switch (this) {
      case BATCH_SAMPLER -> new ShuffledBatchSampler(dataset.size(), batchSize, seed, dropLast);
      case NO_DUPLICATES -> new NoDuplicatesBatchSampler(dataset, batchSize, seed, dropLast);
      case NO_DUPLICATES_HASHED -> new NoDuplicatesHashedBatchSampler(dataset, batchSize, seed, dropLast);
      case GROUP_BY_LABEL -> new GroupByLabelBatchSampler(dataset, batchSize, seed, dropLast);
    };
  }
}
