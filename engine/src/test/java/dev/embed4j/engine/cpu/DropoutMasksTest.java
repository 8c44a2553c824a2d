package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.Generator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lane-wise dropout decisions against their scalar twin, Generator.keepMask, index by index. */
class DropoutMasksTest {
  @Test
  void decidesAsKeepMaskForEveryIndex() {
    float[] rates = {0f, Float.MIN_VALUE, 0x1.0p-24f, 0.1f, Math.nextDown(0.25f), 0.25f, 0.5f, 0.9f, Math.nextDown(1f)};
    long[] firsts = {0L, 1L, 130L, (1L << 32) - 3, Long.MAX_VALUE - 200, -77L, 0x5DEECE66DL};
    int[] lengths = {0, 1, 3, 4, 5, 7, 8, 9, 131, 1024, 1031};
    SplittableRandom r = new SplittableRandom(5);
    int kept = 0, total = 0;
    for (float p : rates) {
      int threshold = Generator.keepThreshold(p);
      for (long first : firsts) {
        for (int n : lengths) {
          long seed = r.nextLong();
          int off = r.nextInt(5);
          int[] mask = new int[off + n + 3];
          java.util.Arrays.fill(mask, 0x5A5A5A5A);
          DropoutMasks.fill(mask, off, n, seed, first, threshold);
          for (int j = 0; j < n; j++) {
            int want = Generator.keepMask(seed, first + j, threshold);
            if (mask[off + j] != want) {
              throw new AssertionError("p=" + p + " seed=" + seed + " index=" + (first + j) + ": got " + mask[off + j]
                  + ", keepMask " + want);
            }
            if (p == 0.5f) {
              total++;
              if (want != 0) kept++;
            }
          }
          for (int j = 0; j < off; j++) assertEquals(0x5A5A5A5A, mask[j], "wrote before the range");
          for (int j = off + n; j < mask.length; j++) assertEquals(0x5A5A5A5A, mask[j], "wrote past the range");
        }
      }
    }
    // both decisions occur: a mask of all ones (or all zeros) would also agree where keepMask were broken alike
    assertEquals(0.5, (double) kept / total, 0.05, "keep rate at p = 0.5");
  }
}
