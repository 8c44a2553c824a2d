package dev.embed4j.model.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;

/**
 * As sentence-transformers' NoDuplicatesBatchSampler: rows are taken in a seeded shuffled order, and a
 * row joins the current batch only if none of its texts (any column) is already in it, because a
 * duplicate text would be an in-batch "negative" identical to a positive. Rows that clash wait for a
 * later batch. Partial batches are dropped unless asked otherwise.
 */
public final class NoDuplicatesBatchSampler implements BatchSampler {
  private final Dataset dataset;
  private final int batchSize;
  private final long seed;
  private final boolean dropLast;

  public NoDuplicatesBatchSampler(Dataset dataset, int batchSize, long seed, boolean dropLast) {
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  @Override
  public List<int[]> epoch(int epoch) {
    int[] order = ShuffledBatchSampler.permutation(dataset.size(), ShuffledBatchSampler.epochSeed(seed, epoch));
    LinkedList<Integer> remaining = new LinkedList<>();
    for (int i : order) remaining.add(i);
    List<int[]> out = new ArrayList<>();
    int columns = dataset.textColumns().size();
    while (!remaining.isEmpty()) {
      Set<String> seen = new HashSet<>();
      List<Integer> batch = new ArrayList<>(batchSize);
      var it = remaining.iterator();
      while (it.hasNext() && batch.size() < batchSize) {
        int row = it.next();
        boolean clash = false;
        for (int c = 0; c < columns && !clash; c++) clash = seen.contains(dataset.text(row, c));
        if (clash) continue;
        for (int c = 0; c < columns; c++) seen.add(dataset.text(row, c));
        batch.add(row);
        it.remove();
      }
      if (batch.size() < batchSize && dropLast) break;
      out.add(batch.stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }
}
