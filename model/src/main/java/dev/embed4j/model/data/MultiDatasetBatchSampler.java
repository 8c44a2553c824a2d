package dev.embed4j.model.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Interleaves the batches of several datasets, each batch from one dataset (so it uses that dataset's
 * loss), as sentence-transformers' multi-dataset samplers:
 * <ul>
 *   <li>{@link Mode#ROUND_ROBIN}: one batch of each dataset in turn; the epoch ends when one runs out, so
 *       every dataset contributes equally;
 *   <li>{@link Mode#PROPORTIONAL}: every batch of every dataset once, in a seeded shuffled order, so
 *       larger datasets are sampled proportionally more.
 * </ul>
 */
public final class MultiDatasetBatchSampler {
  public enum Mode { ROUND_ROBIN, PROPORTIONAL }

  /** One batch: which dataset, and its rows. */
  public record BatchRef(int dataset, int[] rows) {}

  private final List<BatchSampler> samplers;
  private final Mode mode;
  private final long seed;

  public MultiDatasetBatchSampler(List<BatchSampler> samplers, Mode mode, long seed) {
    if (samplers.isEmpty()) throw new IllegalArgumentException("no datasets to sample from");
    this.samplers = List.copyOf(samplers);
    this.mode = mode;
    this.seed = seed;
  }

  public List<BatchRef> epoch(int epoch) {
    List<List<int[]>> per = new ArrayList<>();
    for (BatchSampler s : samplers) per.add(s.epoch(epoch));
    List<BatchRef> out = new ArrayList<>();
    if (mode == Mode.ROUND_ROBIN) {
      for (int i = 0; ; i++) {
        for (int d = 0; d < per.size(); d++) {
          if (i >= per.get(d).size()) return out;
          out.add(new BatchRef(d, per.get(d).get(i)));
        }
      }
    }
    List<Integer> owners = new ArrayList<>();
    for (int d = 0; d < per.size(); d++) for (int i = 0; i < per.get(d).size(); i++) owners.add(d);
    java.util.Collections.shuffle(owners, new Random(ShuffledBatchSampler.epochSeed(seed ^ 0x5DEECE66DL, epoch)));
    int[] next = new int[per.size()];
    for (int d : owners) out.add(new BatchRef(d, per.get(d).get(next[d]++)));
    return out;
  }
}
