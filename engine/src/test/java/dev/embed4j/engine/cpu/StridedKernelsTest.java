package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * {@link StridedKernels} against {@link ElementwiseReference}. Each binary op is one float operation in
 * both, so results must be identical (no tolerance), over same-shape, scalar, row, column, middle-axis
 * and transposed (non-contiguous) operands, with offsets, in sizes around the vector length and above
 * the parallel grain.
 */
class StridedKernelsTest {
  /** An operand: its own shape inside a buffer with an offset and strides (possibly non-contiguous). */
  record Operand(float[] data, int offset, int[] shape, int[] strides) {}

  static int[] contiguous(int[] shape) {
    int[] st = new int[shape.length];
    for (int d = shape.length - 1, s = 1; d >= 0; d--) {
      st[d] = s;
      s *= shape[d];
    }
    return st;
  }

  static int numel(int[] shape) {
    int n = 1;
    for (int s : shape) n *= s;
    return n;
  }

  static Operand operand(SplittableRandom r, int[] shape, boolean transposed, BinaryOp op, boolean isB) {
    int n = numel(shape), off = 3;
    float[] data = new float[n + off + 2];
    for (int i = 0; i < data.length; i++) {
      data[i] = isB && op == BinaryOp.MASK_FILL ? r.nextInt(3) - 1
          : isB && op == BinaryOp.DIV ? (float) (r.nextBoolean() ? r.nextDouble(0.5, 4) : -r.nextDouble(0.5, 4))
          : (float) r.nextDouble(-5, 5);
    }
    int[] st = contiguous(shape);
    if (transposed && shape.length >= 2) { // the last two axes stored swapped: a transposed view
      int k = shape.length;
      int[] swapped = shape.clone();
      swapped[k - 1] = shape[k - 2];
      swapped[k - 2] = shape[k - 1];
      int[] sst = contiguous(swapped);
      st = sst.clone();
      st[k - 1] = sst[k - 2];
      st[k - 2] = sst[k - 1];
    }
    return new Operand(data, off, shape, st);
  }

  /** numpy broadcasting strides of an operand read at shape {@code out}. */
  static int[] broadcastStrides(Operand o, int[] out) {
    int lead = out.length - o.shape().length;
    int[] st = new int[out.length];
    for (int i = 0; i < out.length; i++) {
      int j = i - lead;
      st[i] = j < 0 || o.shape()[j] == 1 && out[i] != 1 ? 0 : o.strides()[j];
    }
    return st;
  }

  static final int[][][] CASES = { // {a shape, b shape, out shape}
      {{1}, {1}, {1}},
      {{3, 17}, {3, 17}, {3, 17}},
      {{64, 1537}, {64, 1537}, {64, 1537}},
      {{5, 384}, {}, {5, 384}},
      {{5, 384}, {1, 1}, {5, 384}},
      {{}, {5, 33}, {5, 33}},
      {{64, 1537}, {1537}, {64, 1537}},
      {{7, 9}, {9}, {7, 9}},
      {{64, 1537}, {64, 1}, {64, 1537}},
      {{3, 17}, {3, 1}, {3, 17}},
      {{4, 1}, {1, 31}, {4, 31}},
      {{4, 5, 33}, {4, 1, 33}, {4, 5, 33}},
      {{2, 3, 4, 9}, {3, 1, 9}, {2, 3, 4, 9}},
      {{2, 6, 40, 40}, {2, 1, 1, 40}, {2, 6, 40, 40}},
      {{0, 5}, {5}, {0, 5}},
  };

  @ParameterizedTest
  @EnumSource(BinaryOp.class)
  void binaryMatchesTwin(BinaryOp op) {
    SplittableRandom r = new SplittableRandom(op.ordinal());
    for (int[][] c : CASES) {
      for (int t = 0; t < 4; t++) {
        Operand a = operand(r, c[0], (t & 1) != 0, op, false), b = operand(r, c[1], (t & 2) != 0, op, true);
        int[] shape = c[2];
        int n = numel(shape);
        float[] want = new float[n + 1], got = new float[n + 1];
        float param = -7.5f;
        ElementwiseReference.binary(op, param, a.data(), a.offset(), broadcastStrides(a, shape), b.data(), b.offset(),
            broadcastStrides(b, shape), want, shape);
        StridedKernels.binary(op, param, a.data(), a.offset(), broadcastStrides(a, shape), b.data(), b.offset(),
            broadcastStrides(b, shape), got, shape);
        assertArrayEquals(want, got, op + " " + java.util.Arrays.deepToString(c) + " transposed " + t);
      }
    }
  }

  @Test
  void binaryInPlaceAccumulate() {
    SplittableRandom r = new SplittableRandom(3);
    float[] acc = FloatAsserts.uniform(r, 1001, -1, 1), g = FloatAsserts.uniform(r, 1001, -1, 1);
    float[] want = acc.clone();
    for (int i = 0; i < 1001; i++) want[i] += g[i];
    StridedKernels.binary(BinaryOp.ADD, 0f, acc, 0, new int[] {1}, g, 0, new int[] {1}, acc, new int[] {1001});
    assertArrayEquals(want, acc);
  }

  @Test
  void copyMatchesTwin() {
    SplittableRandom r = new SplittableRandom(11);
    int[][] shapes = {{1}, {7}, {40_003}, {3, 17}, {64, 1537}, {2, 3, 4, 5}, {4, 1, 33}, {2, 7, 6, 64}, {0, 3}};
    for (int[] shape : shapes) {
      int k = shape.length, n = numel(shape);
      for (int mode = 0; mode < 3; mode++) {
        int[] srcSt = contiguous(shape), dstSt = contiguous(shape);
        float[] src = FloatAsserts.uniform(r, n + 4, -1, 1);
        if (mode >= 1 && k >= 2) { // source is a permuted view: swap the two outer-most axes' storage
          int[] perm = shape.clone();
          perm[0] = shape[1];
          perm[1] = shape[0];
          int[] pst = contiguous(perm);
          srcSt[0] = pst[1];
          srcSt[1] = pst[0];
          for (int d = 2; d < k; d++) srcSt[d] = pst[d];
        }
        if (mode == 2) { // destination is a view into a wider buffer: every row padded by 3
          dstSt = contiguous(shape);
          int pad = 1;
          for (int d = k - 1; d >= 0; d--) {
            dstSt[d] = pad;
            pad *= shape[d] + (d == k - 1 ? 3 : 0);
          }
        }
        int dstSize = 5;
        for (int d = 0; d < k; d++) dstSize += Math.max(0, shape[d] - 1) * dstSt[d];
        dstSize += 1;
        float[] want = new float[dstSize], got = new float[dstSize];
        ElementwiseReference.copy(src, 2, srcSt, want, 5, dstSt, shape);
        StridedKernels.copy(src, 2, srcSt, got, 5, dstSt, shape);
        assertArrayEquals(want, got, "copy " + java.util.Arrays.toString(shape) + " mode " + mode);
      }
    }
  }
}
