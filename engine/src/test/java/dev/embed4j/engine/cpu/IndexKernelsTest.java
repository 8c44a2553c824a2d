package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link IndexKernels} against plain loops (exact: copies and single float additions in the same order). */
class IndexKernelsTest {
  @Test
  void gatherAndScatterAddMatchPlainLoops() {
    SplittableRandom r = new SplittableRandom(4);
    for (int dim : new int[] {1, 7, 8, 9, 33, 384}) {
      for (int count : new int[] {0, 1, 5, 300}) {
        int vocab = 11;
        float[] table = FloatAsserts.uniform(r, vocab * dim, -1, 1);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = r.nextInt(vocab); // repeats on purpose
        float[] want = new float[count * dim], got = new float[count * dim];
        for (int i = 0; i < count; i++) System.arraycopy(table, ids[i] * dim, want, i * dim, dim);
        IndexKernels.gather(table, dim, ids, got);
        assertArrayEquals(want, got, "gather dim " + dim + " count " + count);

        float[] g = FloatAsserts.uniform(r, count * dim, -1, 1);
        float[] tWant = table.clone(), tGot = table.clone();
        for (int i = 0; i < count; i++) for (int d = 0; d < dim; d++) tWant[ids[i] * dim + d] += g[i * dim + d];
        IndexKernels.scatterAdd(g, dim, ids, tGot);
        assertArrayEquals(tWant, tGot, "scatterAdd dim " + dim + " count " + count);
      }
    }
  }
}
