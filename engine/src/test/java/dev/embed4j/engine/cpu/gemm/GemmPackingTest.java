package dev.embed4j.engine.cpu.gemm;

import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.MR;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The A packings against the layout written out element by element: k-major MR×kc panels, element (r, p)
 * of panel q at q·MR·kc + p·MR + r, rows past mc zero. Sizes cross the 8-wide register interleave and its
 * scalar tail (kc = 1, 7, 8, 9, 17, 384) and leave partial panels (mc = 1, 3, 5, 13).
 */
class GemmPackingTest {
  private static float[] expected(float[] a, int aOff, int lda, boolean trans, int i0, int mc, int p0, int kc) {
    int padded = (mc + MR - 1) / MR * MR;
    float[] want = new float[padded * kc];
    for (int i = 0; i < padded; i++) {
      for (int p = 0; p < kc; p++) {
        int row = i0 + i, col = p0 + p;
        float v = i >= mc ? 0f : trans ? a[aOff + col * lda + row] : a[aOff + row * lda + col];
        want[(i / MR) * MR * kc + p * MR + i % MR] = v;
      }
    }
    return want;
  }

  @Test
  void rowsAndTransposedRowsPackIntoTheKernelsLayout() {
    SplittableRandom r = new SplittableRandom(9);
    for (int kc : new int[] {1, 7, 8, 9, 17, 384}) {
      for (int mc : new int[] {1, 3, 4, 5, 13, 16}) {
        for (boolean trans : new boolean[] {false, true}) {
          int i0 = 2, p0 = 3, aOff = 5;
          int rows = trans ? p0 + kc : i0 + mc, cols = trans ? i0 + mc : p0 + kc, lda = cols + 3;
          float[] a = new float[aOff + rows * lda];
          for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
          float[] pa = new float[(mc + MR - 1) / MR * MR * kc];
          java.util.Arrays.fill(pa, Float.NaN);
          if (trans) GemmPacking.packTransposedA(a, aOff, lda, i0, mc, p0, kc, pa);
          else GemmPacking.packRowsA(a, aOff, lda, i0, mc, p0, kc, pa);
          float[] want = expected(a, aOff, lda, trans, i0, mc, p0, kc);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], pa[i], 0f, "kc=" + kc + " mc=" + mc + " trans=" + trans + " at " + i);
          }
        }
      }
    }
  }
}
