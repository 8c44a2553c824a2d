package dev.embed4j.engine.cpu;

import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels that read through strides: the broadcasting binary ops ({@code out = a ∘ b}) and the strided
 * copy. Twin: {@link ElementwiseReference#binary} and {@link ElementwiseReference#copy}.
 *
 * <p>Layout: the shape is first simplified — size-1 axes dropped, and neighbouring axes merged wherever
 * every operand's strides make them one axis (so a contiguous tensor, or one broadcasting a scalar, is a
 * single axis). What remains is an outer odometer over all but the innermost axis and an inner row,
 * whose strides pick the loop: both operands unit-stride (same-shape tensors, a row vector repeated over
 * rows), one unit-stride and one of stride 0 (a scalar, a column broadcast along a row), or a scalar
 * strided loop for anything else (transposed views). Copies whose inner axis is unit-stride on both sides
 * are {@code System.arraycopy} per row. Outer rows are split over {@link Parallel} when the output is
 * above {@link ElementwiseKernels#GRAIN} elements.
 *
 * <p>Cost: memory-bound, 12 bytes per output element for a binary op with two streamed inputs.
 *
 * <p>The arithmetic (add, subtract, multiply, divide) is plain loops, which C2 vectorises itself: as fast as the
 * Vector API loops they replaced once compiled (this project's AVX-512 machine, 200 K and 22.7 M elements: the
 * plain loop took 0.74–0.86 of the time), the same bits, and in a fresh JVM, before C2 has compiled them, several
 * times faster, since un-compiled Vector API code allocates every vector: the first training step adds and scales
 * gradients of every parameter (22.7 M for all-MiniLM-L6-v2) once. The masked fill keeps its vector blend.
 */
public final class StridedKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private StridedKernels() {}

  /** A shape with its operands' strides after dropping size-1 axes and merging contiguous ones. */
  record Simplified(int[] shape, int[][] strides) {
    int inner() {
      return shape[shape.length - 1];
    }
  }

  /** Drops size-1 axes and merges axis d into d+1 when, for every operand, stride[d] = stride[d+1]·shape[d+1]. */
  static Simplified simplify(int[] shape, int[]... strides) {
    int rank = shape.length, k = strides.length;
    int[] s = new int[Math.max(1, rank)];
    int[][] st = new int[k][Math.max(1, rank)];
    int r = 0;
    for (int d = 0; d < rank; d++) {
      if (shape[d] == 1) continue;
      if (r > 0) {
        boolean merge = true;
        for (int j = 0; j < k && merge; j++) merge = st[j][r - 1] == strides[j][d] * shape[d];
        if (merge) {
          s[r - 1] *= shape[d];
          for (int j = 0; j < k; j++) st[j][r - 1] = strides[j][d];
          continue;
        }
      }
      s[r] = shape[d];
      for (int j = 0; j < k; j++) st[j][r] = strides[j][d];
      r++;
    }
    if (r == 0) { // every axis had size 1: one element
      s[0] = 1;
      r = 1;
    }
    int[][] outSt = new int[k][];
    for (int j = 0; j < k; j++) outSt[j] = java.util.Arrays.copyOf(st[j], r);
    return new Simplified(java.util.Arrays.copyOf(s, r), outSt);
  }

  private static long numel(int[] shape) {
    long n = 1;
    for (int s : shape) n *= s;
    return n;
  }

  /** out (contiguous, from 0) = a ∘ b over shape, a and b read through strides (0 broadcasts). */
  public static void binary(BinaryOp op, float p, float[] a, int aOff, int[] aSt, float[] b, int bOff, int[] bSt,
      float[] out, int[] shape) {
    if (numel(shape) == 0) return;
    Simplified sm = simplify(shape, aSt, bSt);
    int[] s = sm.shape();
    int[] as = sm.strides()[0], bs = sm.strides()[1];
    int rank = s.length, inner = sm.inner();
    int outer = (int) (numel(s) / inner);
    int sa = as[rank - 1], sb = bs[rank - 1];
    int grainRows = Math.max(1, ElementwiseKernels.GRAIN / inner);
    Parallel.forRange(outer, grainRows, (lo, hi) -> {
      int[] idx = new int[rank];
      int ao = aOff, bo = bOff;
      for (int d = rank - 2, rem = lo; d >= 0; d--) { // the odometer position of row lo
        idx[d] = rem % s[d];
        rem /= s[d];
        ao += idx[d] * as[d];
        bo += idx[d] * bs[d];
      }
      for (int row = lo; row < hi; row++) {
        int oo = row * inner;
        if (sa == 1 && sb == 1) vectorVector(op, p, a, ao, b, bo, out, oo, inner);
        else if (sa == 1 && sb == 0) vectorScalar(op, p, a, ao, b[bo], out, oo, inner);
        else if (sa == 0 && sb == 1) scalarVector(op, p, a[ao], b, bo, out, oo, inner);
        else strided(op, p, a, ao, sa, b, bo, sb, out, oo, inner);
        for (int d = rank - 2; d >= 0; d--) {
          ao += as[d];
          bo += bs[d];
          if (++idx[d] < s[d]) break;
          ao -= as[d] * s[d];
          bo -= bs[d] * s[d];
          idx[d] = 0;
        }
      }
    });
  }

  private static void vectorVector(BinaryOp op, float p, float[] a, int ao, float[] b, int bo, float[] o, int oo,
      int n) {
    int i = 0, bound = S.loopBound(n);
    switch (op) {
      // plain loops for the arithmetic (see the class comment); the blend stays on the Vector API
      case ADD -> { for (; i < n; i++) o[oo + i] = a[ao + i] + b[bo + i]; }
      case SUB -> { for (; i < n; i++) o[oo + i] = a[ao + i] - b[bo + i]; }
      case MUL -> { for (; i < n; i++) o[oo + i] = a[ao + i] * b[bo + i]; }
      case DIV -> { for (; i < n; i++) o[oo + i] = a[ao + i] / b[bo + i]; }
      case MASK_FILL -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, ao + i).blend(p, FloatVector.fromArray(S, b, bo + i).compare(VectorOperators.NE, 0f)).intoArray(o, oo + i);
        }
      }
    }
    for (; i < n; i++) o[oo + i] = ElementwiseReference.apply(op, p, a[ao + i], b[bo + i]);
  }

  private static void vectorScalar(BinaryOp op, float p, float[] a, int ao, float b, float[] o, int oo, int n) {
    int i = 0, bound = S.loopBound(n);
    switch (op) {
      case ADD -> { for (; i < n; i++) o[oo + i] = a[ao + i] + b; }
      case SUB -> { for (; i < n; i++) o[oo + i] = a[ao + i] - b; }
      case MUL -> { for (; i < n; i++) o[oo + i] = a[ao + i] * b; }
      case DIV -> { for (; i < n; i++) o[oo + i] = a[ao + i] / b; }
      case MASK_FILL -> {
        if (b != 0f) {
          java.util.Arrays.fill(o, oo, oo + n, p);
          return;
        }
        if (a != o || ao != oo) System.arraycopy(a, ao, o, oo, n);
        return;
      }
    }
    for (; i < n; i++) o[oo + i] = ElementwiseReference.apply(op, p, a[ao + i], b);
  }

  private static void scalarVector(BinaryOp op, float p, float a, float[] b, int bo, float[] o, int oo, int n) {
    int i = 0, bound = S.loopBound(n);
    FloatVector va = FloatVector.broadcast(S, a);
    switch (op) {
      case ADD -> { for (; i < n; i++) o[oo + i] = a + b[bo + i]; }
      case SUB -> { for (; i < n; i++) o[oo + i] = a - b[bo + i]; }
      case MUL -> { for (; i < n; i++) o[oo + i] = a * b[bo + i]; }
      case DIV -> { for (; i < n; i++) o[oo + i] = a / b[bo + i]; }
      case MASK_FILL -> {
        for (; i < bound; i += L) va.blend(p, FloatVector.fromArray(S, b, bo + i).compare(VectorOperators.NE, 0f)).intoArray(o, oo + i);
      }
    }
    for (; i < n; i++) o[oo + i] = ElementwiseReference.apply(op, p, a, b[bo + i]);
  }

  private static void strided(BinaryOp op, float p, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] o,
      int oo, int n) {
    switch (op) {
      case ADD -> { for (int i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] + b[bo + i * sb]; }
      case SUB -> { for (int i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] - b[bo + i * sb]; }
      case MUL -> { for (int i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] * b[bo + i * sb]; }
      case DIV -> { for (int i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] / b[bo + i * sb]; }
      case MASK_FILL -> { for (int i = 0; i < n; i++) o[oo + i] = b[bo + i * sb] != 0f ? p : a[ao + i * sa]; }
    }
  }

  /** dst[dstOff + Σ i·dstSt] = src[srcOff + Σ i·srcSt] over shape. */
  public static void copy(float[] src, int srcOff, int[] srcSt, float[] dst, int dstOff, int[] dstSt, int[] shape) {
    if (numel(shape) == 0) return;
    Simplified sm = simplify(shape, srcSt, dstSt);
    int[] s = sm.shape();
    int[] ss = sm.strides()[0], ds = sm.strides()[1];
    int rank = s.length, inner = sm.inner();
    int outer = (int) (numel(s) / inner);
    int si = ss[rank - 1], di = ds[rank - 1];
    if (outer == 1 && si == 1 && di == 1 && inner >= ElementwiseKernels.GRAIN) { // one long contiguous run
      Parallel.forRange(inner, ElementwiseKernels.GRAIN * 4,
          (lo, hi) -> System.arraycopy(src, srcOff + lo, dst, dstOff + lo, hi - lo));
      return;
    }
    int grainRows = Math.max(1, ElementwiseKernels.GRAIN / inner);
    Parallel.forRange(outer, grainRows, (lo, hi) -> {
      int[] idx = new int[rank];
      int so = srcOff, dO = dstOff;
      for (int d = rank - 2, rem = lo; d >= 0; d--) {
        idx[d] = rem % s[d];
        rem /= s[d];
        so += idx[d] * ss[d];
        dO += idx[d] * ds[d];
      }
      for (int row = lo; row < hi; row++) {
        if (si == 1 && di == 1) System.arraycopy(src, so, dst, dO, inner);
        else if (di == 1) for (int i = 0; i < inner; i++) dst[dO + i] = src[so + i * si];
        else for (int i = 0; i < inner; i++) dst[dO + i * di] = src[so + i * si];
        for (int d = rank - 2; d >= 0; d--) {
          so += ss[d];
          dO += ds[d];
          if (++idx[d] < s[d]) break;
          so -= ss[d] * s[d];
          dO -= ds[d] * s[d];
          idx[d] = 0;
        }
      }
    });
  }
}
