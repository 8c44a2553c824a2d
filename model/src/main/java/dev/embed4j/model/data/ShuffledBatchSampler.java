package dev.embed4j.model.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Rows in a seeded shuffled order, cut into batches; the last partial batch is dropped unless asked. */
public final class ShuffledBatchSampler implements BatchSampler {
  private final int rows, batchSize;
  private final long seed;
  private final boolean dropLast;

  public ShuffledBatchSampler(int rows, int batchSize, long seed, boolean dropLast) {
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    this.rows = rows;
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  static long epochSeed(long seed, int epoch) {
    return seed * 0x9E3779B97F4A7C15L + epoch;
  }

  @Override
  public List<int[]> epoch(int epoch) {
    int[] p = permutation(rows, epochSeed(seed, epoch));
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < rows; i += batchSize) {
      if (i + batchSize > rows && dropLast) break;
      out.add(Arrays.copyOfRange(p, i, Math.min(rows, i + batchSize)));
    }
    return out;
  }

  @Override
  public int batchesPerEpoch() {
    return dropLast ? rows / batchSize : (rows + batchSize - 1) / batchSize;
  }
}
