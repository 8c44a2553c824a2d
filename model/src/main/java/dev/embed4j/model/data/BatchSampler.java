package dev.embed4j.model.data;

import java.util.List;

/**
 * Splits one dataset's rows into batches for an epoch. The plan is a pure function of the seed and the
 * epoch, so a checkpoint needs only (epoch, batches consumed) to resume exactly.
 */
public interface BatchSampler {
  /** The batches of one epoch, as row indices. */
  List<int[]> epoch(int epoch);

  /** Batches an epoch holds (without building them, where the sampler can tell). */
  default int batchesPerEpoch() {
    return epoch(0).size();
  }
}
