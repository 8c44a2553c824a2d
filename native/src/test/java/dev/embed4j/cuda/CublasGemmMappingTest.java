package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks the row-major to column-major argument mapping of {@link CublasGemm#map} without a GPU: the
 * mapped arguments drive a plain column-major SGEMM written as the cuBLAS documentation defines it, and
 * its result must equal the row-major product computed directly, for every transpose combination,
 * padded leading dimensions and sizes of 1.
 */
class CublasGemmMappingTest {
  private static final int OP_T = 1; // CUBLAS_OP_T

  /** Column-major C = op1(X)·op2(Y), as cuBLAS defines sgemm (alpha 1, beta 0). */
  private static void columnMajorGemm(CublasGemm.Call c, float[] x, float[] y, float[] out) {
    for (int i = 0; i < c.m(); i++) {
      for (int j = 0; j < c.n(); j++) {
        double s = 0;
        for (int p = 0; p < c.k(); p++) {
          float xv = c.op1() == OP_T ? x[p + i * c.ld1()] : x[i + p * c.ld1()];
          float yv = c.op2() == OP_T ? y[j + p * c.ld2()] : y[p + j * c.ld2()];
          s += (double) xv * yv;
        }
        out[i + j * c.ldc()] = (float) s;
      }
    }
  }

  @Test
  void everyTransposeCombinationMapsToTheSameProduct() {
    Random r = new Random(7);
    int[][] sizes = {{1, 1, 1}, {1, 5, 3}, {4, 1, 2}, {3, 7, 1}, {5, 6, 7}, {13, 2, 9}};
    for (int[] s : sizes) {
      int m = s[0], n = s[1], k = s[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          int padA = r.nextInt(3), padB = r.nextInt(3), padC = r.nextInt(3);
          // row-major storage: A is m x k (or k x m when transposed), B is k x n (or n x k)
          int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
          int lda = aCols + padA, ldb = bCols + padB, ldc = n + padC;
          float[] a = random(r, aRows * lda), b = random(r, bRows * ldb);
          float[] expected = new float[m * ldc], actual = new float[m * ldc];
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double acc = 0;
              for (int p = 0; p < k; p++) {
                float av = ta ? a[p * lda + i] : a[i * lda + p];
                float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                acc += (double) av * bv;
              }
              expected[i * ldc + j] = (float) acc;
            }
          }
          CublasGemm.Call call = CublasGemm.map(ta, tb, m, n, k, lda, ldb, ldc);
          assertEquals(n, call.m(), "cuBLAS rows are the engine's n");
          assertEquals(m, call.n(), "cuBLAS columns are the engine's m");
          columnMajorGemm(call, b, a, actual);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              assertEquals(expected[i * ldc + j], actual[i * ldc + j], 1e-5,
                  "m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb + " at (" + i + ", " + j + ")");
            }
          }
        }
      }
    }
  }

  @Test
  void aLeadingDimensionOfASingleColumnViewIsRaisedAndABadOneRejected() {
    // A is m x 1 (k = 1) with an arbitrary row stride of 1: column-major view 1 x m, ld must be >= 1: fine
    CublasGemm.Call c = CublasGemm.map(false, false, 4, 3, 1, 1, 3, 3);
    assertEquals(1, c.ld2());
    // B is 1 x n (k = 1) with a row stride of 0: its column-major view (n x 1) has one column, so the
    // unused leading dimension is raised to what cuBLAS checks
    CublasGemm.Call d = CublasGemm.map(false, false, 2, 4, 1, 1, 0, 4);
    assertEquals(4, d.ld1());
    // a real overlap (ld 2 for rows of 5) is an error, named
    assertThrows(IllegalArgumentException.class, () -> CublasGemm.map(false, false, 3, 4, 5, 2, 4, 4));
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
    return x;
  }
}
