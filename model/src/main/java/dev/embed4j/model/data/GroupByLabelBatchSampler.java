package dev.embed4j.model.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * As sentence-transformers' {@code BatchSamplers.GROUP_BY_LABEL} (GroupByLabelBatchSampler, ST 3 and
 * later), for batch-hard and batch-all triplet losses, which need positives in the batch: every label a
 * batch contains, it contains at least twice.
 *
 * <p>Per epoch: the rows of each label are shuffled and cut to an even count (a label's odd row out waits
 * for another epoch, a different one each time; a label with a single row is never sampled, as in ST),
 * the labels are put in a shuffled order, their rows concatenated, and the sequence cut into batches of
 * {@code batchSize}, which must be even. Each label's run starts at an even offset and has an even length,
 * and every batch boundary falls at an even offset, so a label split by a boundary leaves an even count,
 * hence at least two, on each side. Labels are compared as float values (the dataset's label column). The
 * last partial batch is dropped when {@code dropLast}.
 */
public final class GroupByLabelBatchSampler implements BatchSampler {
  private final int[][] groups; // rows of each label with ≥ 2 rows, in order of first appearance
  private final int batchSize;
  private final long seed;
  private final boolean dropLast;

  public GroupByLabelBatchSampler(Dataset dataset, int batchSize, long seed, boolean dropLast) {
    if (!dataset.hasLabels()) {
      throw new IllegalArgumentException("dataset '" + dataset.name() + "': grouping by label needs a label column (one of "
          + Dataset.LABEL_COLUMNS + "), it has only " + dataset.textColumns());
    }
    if (batchSize < 2 || batchSize % 2 != 0) {
      throw new IllegalArgumentException("batch size for grouping by label must be even and >= 2 (each label comes in "
          + "pairs), got " + batchSize);
    }
    Map<Float, List<Integer>> byLabel = new LinkedHashMap<>();
    for (int r = 0; r < dataset.size(); r++) byLabel.computeIfAbsent(dataset.label(r), k -> new ArrayList<>()).add(r);
    List<int[]> kept = new ArrayList<>();
    for (List<Integer> g : byLabel.values()) if (g.size() >= 2) kept.add(g.stream().mapToInt(Integer::intValue).toArray());
    this.groups = kept.toArray(new int[0][]);
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  @Override
  public List<int[]> epoch(int epoch) {
    Random random = new Random(ShuffledBatchSampler.epochSeed(seed, epoch));
    int[] labelOrder = ShuffledBatchSampler.permutation(groups.length, random.nextLong());
    int total = 0;
    for (int[] g : groups) total += g.length / 2 * 2;
    int[] sequence = new int[total];
    int at = 0;
    for (int l : labelOrder) {
      int[] g = groups[l];
      int[] p = ShuffledBatchSampler.permutation(g.length, random.nextLong());
      for (int i = 0; i < g.length / 2 * 2; i++) sequence[at++] = g[p[i]];
    }
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < total; i += batchSize) {
      if (i + batchSize > total && dropLast) break;
      out.add(Arrays.copyOfRange(sequence, i, Math.min(total, i + batchSize)));
    }
    return out;
  }

  @Override
  public int batchesPerEpoch() {
    int total = 0;
    for (int[] g : groups) total += g.length / 2 * 2;
    return dropLast ? total / batchSize : (total + batchSize - 1) / batchSize;
  }
}
