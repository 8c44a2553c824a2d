package dev.embed4j.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Embedding-table kernels: {@link #gather} (out[i, :] = table[ids[i], :]) and {@link #scatterAdd}
 * (gTable[ids[i], :] += gOut[i, :]). Layout: row-major tables of {@code dim} floats a row. Gather is one
 * {@code System.arraycopy} a row, split over threads for large batches. Scatter-add stays on one thread:
 * repeated ids (every [CLS] and padding token) would make two threads add into the same row. Cost: 8
 * (gather) or 12 (scatter) bytes per element, memory-bound. Twin: the plain loops in the tests.
 */
public final class IndexKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private IndexKernels() {}

  public static void gather(float[] table, int dim, int[] ids, float[] out) {
    int grain = Math.max(1, ElementwiseKernels.GRAIN / Math.max(1, dim));
    Parallel.forRange(ids.length, grain, (lo, hi) -> {
      for (int i = lo; i < hi; i++) System.arraycopy(table, ids[i] * dim, out, i * dim, dim);
    });
  }

  public static void scatterAdd(float[] gOut, int dim, int[] ids, float[] gTable) {
    int bound = S.loopBound(dim);
    for (int i = 0; i < ids.length; i++) {
      int to = ids[i] * dim, from = i * dim, d = 0;
      for (; d < bound; d += L) {
        FloatVector.fromArray(S, gTable, to + d).add(FloatVector.fromArray(S, gOut, from + d)).intoArray(gTable, to + d);
      }
      for (; d < dim; d++) gTable[to + d] += gOut[from + d];
    }
  }
}
