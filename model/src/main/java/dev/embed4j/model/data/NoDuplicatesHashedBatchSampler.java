package dev.embed4j.model.data;

import dev.embed4j.engine.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;

/**
 * As sentence-transformers' {@code BatchSamplers.NO_DUPLICATES_HASHED} (ST 5.x): the
 * {@link NoDuplicatesBatchSampler} rule, a row joins the current batch only if none of its texts is
 * already in it, with each text replaced by a 64-bit hash of its value, computed once when the sampler is
 * made. The sampler then holds 8 bytes a text instead of the strings, and the epoch plan compares longs.
 * Rows are taken in the same seeded shuffled order, so without hash collisions the batches are exactly
 * those of {@link NoDuplicatesBatchSampler}; a collision (about n²/2⁶⁵ for n distinct texts) only makes a
 * row wait for a later batch, never lets a duplicate in. Partial batches are dropped when {@code dropLast}
 * (the Trainer drops them: a short last batch of an epoch gives cached losses the grad-norm spikes of ST
 * issue #3420).
 */
public final class NoDuplicatesHashedBatchSampler implements BatchSampler {
  private final int rows, columns;
  private final long[] hashes; // [row * columns + column]
  private final int batchSize;
  private final long seed;
  private final boolean dropLast;

  public NoDuplicatesHashedBatchSampler(Dataset dataset, int batchSize, long seed, boolean dropLast) {
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    this.rows = dataset.size();
    this.columns = dataset.textColumns().size();
    this.hashes = new long[rows * columns];
    for (int r = 0; r < rows; r++) for (int c = 0; c < columns; c++) hashes[r * columns + c] = hash(dataset.text(r, c));
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  /** FNV-1a over the UTF-16 code units, then SplitMix64's finaliser to spread the bits. */
  static long hash(String text) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001B3L;
    }
    return Generator.mix(h ^ text.length());
  }

  @Override
  public List<int[]> epoch(int epoch) {
    int[] order = ShuffledBatchSampler.permutation(rows, ShuffledBatchSampler.epochSeed(seed, epoch));
    LinkedList<Integer> remaining = new LinkedList<>();
    for (int i : order) remaining.add(i);
    List<int[]> out = new ArrayList<>();
    while (!remaining.isEmpty()) {
      Set<Long> seen = new HashSet<>();
      List<Integer> batch = new ArrayList<>(batchSize);
      var it = remaining.iterator();
      while (it.hasNext() && batch.size() < batchSize) {
        int row = it.next();
        boolean clash = false;
        for (int c = 0; c < columns && !clash; c++) clash = seen.contains(hashes[row * columns + c]);
        if (clash) continue;
        for (int c = 0; c < columns; c++) seen.add(hashes[row * columns + c]);
        batch.add(row);
        it.remove();
      }
      if (batch.size() < batchSize && dropLast) break;
      out.add(batch.stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }
}
