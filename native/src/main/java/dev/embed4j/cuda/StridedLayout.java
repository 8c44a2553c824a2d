package dev.embed4j.cuda;

import java.util.Arrays;

/**
 * The shape and two stride vectors of a strided element-wise kernel, simplified before launch: size-1 axes
 * are dropped and neighbouring axes that are contiguous with each other in both operands are merged. An
 * add of two same-shape dense tensors becomes rank 1, a bias add over [batch, seq, hidden] rank 2, so the
 * kernel's per-element index arithmetic (one division per axis) stays short. The row-major order of
 * elements is unchanged, so a contiguous output can still be indexed linearly.
 */
record StridedLayout(int[] shape, int[] s0, int[] s1) {
  static StridedLayout of(int[] shape, int[] s0, int[] s1) {
    int rank = shape.length;
    int[] sh = new int[Math.max(rank, 1)], a = new int[sh.length], b = new int[sh.length];
    int r = 0;
    for (int d = 0; d < rank; d++) { // outermost first
      if (shape[d] == 1) continue;
      if (r > 0 && a[r - 1] == a0(s0[d], shape[d]) && b[r - 1] == a0(s1[d], shape[d])) {
        // the previous (outer) axis steps exactly over this one in both operands: merge them
        sh[r - 1] *= shape[d];
        a[r - 1] = s0[d];
        b[r - 1] = s1[d];
      } else {
        sh[r] = shape[d];
        a[r] = s0[d];
        b[r] = s1[d];
        r++;
      }
    }
    if (r == 0) return new StridedLayout(new int[] {1}, new int[] {0}, new int[] {0});
    return new StridedLayout(Arrays.copyOf(sh, r), Arrays.copyOf(a, r), Arrays.copyOf(b, r));
  }

  /** The stride an outer axis must have to step over an inner axis of this stride and size. */
  private static int a0(int innerStride, int innerSize) {
    return innerStride * innerSize;
  }

  int rank() {
    return shape.length;
  }

  long numel() {
    long n = 1;
    for (int s : shape) n *= s;
    return n;
  }

  /** Whether both operands walk memory contiguously from their start: a plain memcpy-able range. */
  boolean bothContiguous() {
    return shape.length == 1 && s0[0] == 1 && s1[0] == 1;
  }
}
