package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The axis merging of {@link StridedLayout} must not change which element pairs a kernel visits: the
 * offsets the kernel computes (e4jOffsets in common.cuh, ported here line for line) over the merged layout
 * must equal, element by element in row-major order, the offsets over the original shape.
 */
class StridedLayoutTest {

  /** The kernel's index arithmetic: linear i to the two operands' offsets. */
  private static long[] kernelOffsets(StridedLayout l, int i) {
    int a = 0, b = 0;
    for (int k = l.rank() - 1; k >= 0; k--) {
      int n = l.shape()[k];
      int c = i % n;
      i /= n;
      a += c * l.s0()[k];
      b += c * l.s1()[k];
    }
    return new long[] {a, b};
  }

  @Test
  void mergedLayoutsVisitTheSameOffsets() {
    Random r = new Random(11);
    for (int trial = 0; trial < 300; trial++) {
      int rank = 1 + r.nextInt(9);
      int[] shape = new int[rank];
      for (int d = 0; d < rank; d++) shape[d] = 1 + r.nextInt(rank > 6 ? 2 : 4);
      int[] s0 = layout(r, shape), s1 = layout(r, shape);
      StridedLayout l = StridedLayout.of(shape, s0, s1);
      assertTrue(l.rank() <= Math.max(1, rank));
      int n = 1;
      for (int s : shape) n *= s;
      assertEquals(n, l.numel());
      int[] idx = new int[rank];
      for (int i = 0; i < n; i++) {
        long a = 0, b = 0;
        for (int d = 0; d < rank; d++) {
          a += (long) idx[d] * s0[d];
          b += (long) idx[d] * s1[d];
        }
        assertArrayEquals(new long[] {a, b}, kernelOffsets(l, i), "trial " + trial + " element " + i);
        for (int d = rank - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
      }
    }
  }

  @Test
  void denseOperandsCollapseToOneAxis() {
    int[] shape = {3, 4, 5}, st = {20, 5, 1};
    StridedLayout l = StridedLayout.of(shape, st, st);
    assertArrayEquals(new int[] {60}, l.shape());
    assertTrue(l.bothContiguous());
    // a bias broadcast over rows stays two axes
    StridedLayout bias = StridedLayout.of(shape, st, new int[] {0, 0, 1});
    assertArrayEquals(new int[] {12, 5}, bias.shape());
  }

  /** Contiguous strides of a random permutation of the axes, with some axes broadcast (stride 0). */
  private static int[] layout(Random r, int[] shape) {
    int rank = shape.length;
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) perm[i] = i;
    if (r.nextBoolean()) {
      for (int i = rank - 1; i > 0; i--) {
        int j = r.nextInt(i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
    }
    int[] st = new int[rank];
    int s = 1;
    for (int i = rank - 1; i >= 0; i--) {
      st[perm[i]] = s;
      s *= shape[perm[i]];
    }
    for (int d = 0; d < rank; d++) if (r.nextInt(5) == 0) st[d] = 0;
    return st;
  }
}
