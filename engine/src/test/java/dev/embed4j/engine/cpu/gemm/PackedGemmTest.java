package dev.embed4j.engine.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.embed4j.engine.cpu.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PackedGemm against the double-accumulating ReferenceGemm on random inputs of awkward shapes, with both
 * micro-kernel heights (4 and 8 rows) whatever the machine prefers: the 8-row kernel runs (slowly, spilling)
 * on AVX2 too, and the 4-row one on AVX-512, so each tile shape is held to the reference everywhere.
 */
class PackedGemmTest {
  private static GemmKernel kernel = new PackedGemm();

  private static PackedGemm withRows(int rows) {
    return new PackedGemm(PackedGemm.defaultKc(rows), PackedGemm.DEFAULT_MC, PackedGemm.DEFAULT_NC, rows);
  }

  /** The 4-row tile's default blocking with either tile. */
  private static PackedGemm sameBlocking(int rows) {
    return new PackedGemm(PackedGemm.DEFAULT_KC, PackedGemm.DEFAULT_MC, PackedGemm.DEFAULT_NC, rows);
  }

  private static PackedGemm small(int rows) {
    return new PackedGemm(16, 8, 32, rows);
  }
  private static final GemmKernel REF = new ReferenceGemm();
  private static final int[] AWKWARD = {1, 7, 13, 17, 31, 33, 65, 127, 257};

  /**
   * One problem embedded in larger buffers: A, B and C are sub-matrices of wider arrays (leading
   * dimensions past the logical width) at non-zero offsets, and C starts with values (NaN where beta is 0,
   * so an overwrite that reads C would show).
   */
  private static void check(Random rnd, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float beta, int pad) {
    int aRows = transA ? k : m, aCols = transA ? m : k;
    int bRows = transB ? n : k, bCols = transB ? k : n;
    int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
    int aOff = 3, bOff = 5, cOff = 2;
    float[] a = random(rnd, aOff + aRows * lda + 1);
    float[] b = random(rnd, bOff + bRows * ldb + 1);
    float[] c0 = random(rnd, cOff + m * ldc + 1);
    if (beta == 0f) {
      for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c0[cOff + i * ldc + j] = Float.NaN;
    }
    float[] fast = c0.clone(), ref = c0.clone();
    kernel.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, fast, cOff, ldc);
    REF.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, ref, cOff, ldc);
    for (int i = 0; i < fast.length; i++) {
      int rel = i - cOff, row = rel / ldc, col = rel - row * ldc;
      boolean inside = rel >= 0 && row < m && col < n;
      if (!inside) {
        if (Float.floatToRawIntBits(fast[i]) != Float.floatToRawIntBits(c0[i])) {
          fail(String.format("wrote outside C at %d (transA=%b transB=%b m=%d n=%d k=%d)", i, transA, transB, m,
              n, k));
        }
        continue;
      }
      double bound = 0;
      for (int p = 0; p < k; p++) {
        float av = transA ? a[aOff + p * lda + row] : a[aOff + row * lda + p];
        float bv = transB ? b[bOff + col * ldb + p] : b[bOff + p * ldb + col];
        bound += Math.abs((double) av * bv);
      }
      double tol = 1e-5 * (Math.abs(alpha) * bound + (beta == 0f ? 0 : Math.abs(beta * c0[i]))) + 1e-6;
      if (!(Math.abs(fast[i] - ref[i]) <= tol)) {
        fail(String.format("C[%d,%d] = %s, reference %s (transA=%b transB=%b m=%d n=%d k=%d alpha=%s beta=%s)",
            row, col, fast[i], ref[i], transA, transB, m, n, k, alpha, beta));
      }
    }
  }

  private static float[] random(Random rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 2 - 1;
    return x;
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void awkwardSizesAllTransposes(int rows) {
    kernel = withRows(rows);
    Random rnd = new Random(42);
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
      for (int s : AWKWARD) check(rnd, ta, tb, s, s, s, 1f, 0f, 0);
      for (int i = 0; i < 25; i++) {
        int m = AWKWARD[rnd.nextInt(AWKWARD.length)], n = AWKWARD[rnd.nextInt(AWKWARD.length)];
        int k = AWKWARD[rnd.nextInt(AWKWARD.length)];
        check(rnd, ta, tb, m, n, k, 1f, 0f, rnd.nextInt(3));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void alphaBetaAndLeadingDimensions(int rows) {
    kernel = withRows(rows);
    Random rnd = new Random(7);
    float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {0.5f, 0f}, {-2f, 0.25f}, {1.5f, -1f}, {0f, 0.5f}, {0f, 0f}};
    for (float[] ab : alphaBeta) {
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
        check(rnd, ta, tb, 33, 17, 65, ab[0], ab[1], 5);
        check(rnd, ta, tb, 1, 31, 7, ab[0], ab[1], 1);
        check(rnd, ta, tb, 13, 1, 127, ab[0], ab[1], 2);
      }
    }
  }

  @Test
  void emptyDimensions() {
    Random rnd = new Random(3);
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
      check(rnd, ta, tb, 7, 13, 0, 1f, 0f, 1);
      check(rnd, ta, tb, 7, 13, 0, 1f, 0.5f, 1);
      check(rnd, ta, tb, 0, 13, 7, 1f, 0.5f, 1);
      check(rnd, ta, tb, 7, 0, 7, 1f, 0.5f, 1);
    }
  }

  /** Past the blocking sizes (k beyond one KC block, m beyond MC) and on more than one thread. */
  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void blockedAndParallel(int rows) {
    kernel = withRows(rows);
    Random rnd = new Random(11);
    int before = Parallel.threads();
    Parallel.setThreads(2);
    try {
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
        check(rnd, ta, tb, 301, 95, 611, 1f, 0f, 3);
        check(rnd, ta, tb, 70, 290, 300, 0.75f, 1f, 0);
        // past one k block of this tile's default blocking (1536 for 8 rows), the last block partial
        check(rnd, ta, tb, 37, 45, PackedGemm.defaultKc(rows) + 65, 1f, 0.5f, 1);
      }
      // tiny blocks on two threads: the shared packing of B (row split) crosses several n and k blocks,
      // the last of each partial
      GemmKernel saved = kernel;
      kernel = small(rows);
      try {
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
          check(rnd, ta, tb, 203, 77, 91, 1f, 0f, 1);
          check(rnd, ta, tb, 61, 203, 91, -1f, 0.5f, 2);
        }
      } finally {
        kernel = saved;
      }
    } finally {
      Parallel.setThreads(before);
    }
  }

  /** Tiny blocks, so that small problems cross every block boundary (k, m and n) and edge tile. */
  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void smallBlocking(int rows) {
    GemmKernel saved = kernel;
    Random rnd = new Random(5);
    try {
      kernel = small(rows);
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
        check(rnd, ta, tb, 37, 71, 45, 1f, 0f, 2);
        check(rnd, ta, tb, 9, 33, 17, -0.5f, 2f, 0);
        check(rnd, ta, tb, 21, 65, 33, 1f, 1f, 1);
      }
    } finally {
      kernel = saved;
    }
  }

  /**
   * A GEMM on op(B) packed beforehand equals the one that packs it, bit for bit: every transpose, offsets and
   * leading dimensions past the width, alpha and beta, one and two threads, the default blocking and tiny blocks
   * that cross every k, n and m boundary (m below and above n, so both of gemm's thread splits are compared).
   */
  @Test
  void prepackedEqualsPackingEachCall() {
    Random rnd = new Random(23);
    int before = Parallel.threads();
    int[][] shapes = {{1, 31, 7}, {13, 1, 127}, {203, 77, 91}, {61, 203, 91}, {301, 95, 611}, {9, 400, 33}};
    try {
      for (PackedGemm g : new PackedGemm[] {withRows(4), withRows(8), small(4), small(8)}) {
        for (int threads : new int[] {1, 2}) {
          Parallel.setThreads(threads);
          for (int[] mnk : shapes) {
            for (int t = 0; t < 4; t++) {
              boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
              int m = mnk[0], n = mnk[1], k = mnk[2], pad = rnd.nextInt(3);
              int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
              float[] a = random(rnd, 3 + (ta ? k : m) * lda), b = random(rnd, 5 + (tb ? n : k) * ldb);
              float[] c = random(rnd, 2 + m * ldc);
              float alpha = t == 3 ? -0.5f : 1f, beta = t == 2 ? 0.25f : t == 1 ? 1f : 0f;
              float[] each = c.clone(), once = c.clone();
              g.gemm(ta, tb, m, n, k, alpha, a, 3, lda, b, 5, ldb, beta, each, 2, ldc);
              PackedGemm.PackedB packed = g.pack(tb, b, 5, ldb, k, n);
              g.gemm(ta, m, alpha, a, 3, lda, packed, beta, once, 2, ldc);
              for (int i = 0; i < c.length; i++) {
                if (Float.floatToRawIntBits(each[i]) != Float.floatToRawIntBits(once[i])) {
                  fail(String.format("element %d: %s packed once, %s packed per call (threads=%d transA=%b transB=%b "
                      + "m=%d n=%d k=%d)", i, once[i], each[i], threads, ta, tb, m, n, k));
                }
              }
            }
          }
        }
      }
      PackedGemm.PackedB other = new PackedGemm().pack(false, new float[64], 0, 8, 8, 8);
      assertThrows(IllegalArgumentException.class,
          () -> new PackedGemm().gemm(false, 8, 1f, new float[64], 0, 8, other, 0f, new float[64], 0, 8));
    } finally {
      Parallel.setThreads(before);
    }
  }

  /**
   * packedProduct on operands packed by hand in its documented layout (A in PANEL_ROWS-row panels, B in
   * PANEL_COLUMNS-column panels, zero-padded), overwrite and add, awkward sizes: against the reference GEMM, and
   * nothing written outside the m × n block of C.
   */
  @Test
  void packedProductOnCallerPackedOperands() {
    Random rnd = new Random(77);
    int mr = PackedGemm.PANEL_ROWS, nr = PackedGemm.PANEL_COLUMNS;
    float[] tile = new float[mr * nr];
    for (int m : new int[] {1, 3, 4, 7, 33, 130}) {
      for (int n : new int[] {1, 5, 16, 17, 32, 33}) {
        for (int k : new int[] {1, 7, 32, 128}) {
          float[] a = random(rnd, m * k), b = random(rnd, k * n);
          int mPad = (m + mr - 1) / mr * mr, nPad = (n + nr - 1) / nr * nr;
          float[] pa = new float[mPad * k], pb = new float[nPad * k];
          for (int i = 0; i < m; i++) for (int t = 0; t < k; t++) pa[i / mr * mr * k + t * mr + i % mr] = a[i * k + t];
          for (int t = 0; t < k; t++) for (int j = 0; j < n; j++) pb[j / nr * nr * k + t * nr + j % nr] = b[t * n + j];
          int ldc = n + 3, cOff = 2;
          for (boolean add : new boolean[] {false, true}) {
            float[] c0 = random(rnd, cOff + m * ldc + 4);
            float[] fast = c0.clone(), ref = c0.clone();
            PackedGemm.packedProduct(m, n, k, pa, pb, fast, cOff, ldc, add, tile);
            REF.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, add ? 1f : 0f, ref, cOff, ldc);
            for (int i = 0; i < fast.length; i++) {
              int rel = i - cOff, row = rel / ldc, col = rel - row * ldc;
              boolean inside = rel >= 0 && row < m && col < n;
              String where = String.format("C[%d] (m=%d n=%d k=%d add=%b)", i, m, n, k, add);
              if (!inside) {
                assertEquals(Float.floatToRawIntBits(c0[i]), Float.floatToRawIntBits(fast[i]), "wrote outside " + where);
              } else {
                assertEquals(ref[i], fast[i], 1e-5 * (k + 1), where);
              }
            }
          }
        }
      }
    }
  }

  /**
   * The epilogue sees every element of C exactly once, and only after its final value is in place: it copies each
   * strip it is handed, and the copy must equal a plain GEMM's C. Multi-block (small blocking), both thread
   * splits, the prepacked path, and k = 0.
   */
  @Test
  void epilogueSeesEachFinishedElementOnce() {
    Random rnd = new Random(3);
    int before = Parallel.threads();
    try {
      for (int threads : new int[] {1, 2}) {
        Parallel.setThreads(threads);
        for (PackedGemm g : new PackedGemm[] {withRows(4), withRows(8), small(4), small(8)}) {
          for (int[] sh : new int[][] {{130, 70, 300}, {9, 260, 33}, {300, 17, 65}, {7, 5, 0}}) {
            int m = sh[0], n = sh[1], k = sh[2];
            float[] a = random(rnd, Math.max(1, m * k)), b = random(rnd, Math.max(1, k * n));
            for (boolean prepacked : new boolean[] {false, true}) {
              if (prepacked && k == 0) continue;
              float[] c = new float[m * n], seen = new float[m * n], plain = new float[m * n];
              int[] visits = new int[m * n];
              GemmEpilogue copy = (row, rows, col, cols) -> {
                for (int i = row; i < row + rows; i++) {
                  for (int j = col; j < col + cols; j++) {
                    seen[i * n + j] = c[i * n + j];
                    synchronized (visits) {
                      visits[i * n + j]++;
                    }
                  }
                }
              };
              if (prepacked) g.gemm(false, m, 1f, a, 0, k, g.pack(false, b, 0, n, k, n), 0f, c, 0, n, copy);
              else g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, copy);
              g.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, plain, 0, n);
              String what = m + "x" + n + "x" + k + " threads " + threads + (prepacked ? " prepacked" : "");
              for (int i = 0; i < m * n; i++) {
                assertEquals(1, visits[i], "visits of element " + i + ", " + what);
                assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(seen[i]), "element " + i + ", " + what);
              }
            }
          }
        }
      }
    } finally {
      Parallel.setThreads(before);
    }
  }

  /**
   * The 8-row kernel gives every element of C the same FMAs in the same order as the 4-row one, so with the same
   * blocking (their default k blocks differ) the two agree bit for bit: awkward shapes (m not a multiple of 8 leaves a 4-row or shorter remainder), every transpose,
   * alpha and beta, one and two threads, k past one block.
   */
  @Test
  void tileHeightsAgreeBitForBit() {
    Random rnd = new Random(19);
    int before = Parallel.threads();
    try {
      for (int threads : new int[] {1, 2}) {
        Parallel.setThreads(threads);
        for (int[] mnk : new int[][] {{1, 33, 7}, {5, 17, 65}, {12, 64, 31}, {37, 95, 611}, {203, 77, 91}, {130, 384, 384}}) {
          for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            int m = mnk[0], n = mnk[1], k = mnk[2];
            float[] a = random(rnd, m * k), b = random(rnd, k * n), c = random(rnd, m * n);
            float alpha = t == 3 ? 0.5f : 1f, beta = t == 1 ? 1f : t == 2 ? -0.25f : 0f;
            float[] four = c.clone(), eight = c.clone();
            sameBlocking(4).gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, four, 0, n);
            sameBlocking(8).gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, eight, 0, n);
            for (int i = 0; i < c.length; i++) {
              if (Float.floatToRawIntBits(four[i]) != Float.floatToRawIntBits(eight[i])) {
                fail(String.format("element %d: %s with 8-row tiles, %s with 4-row (threads=%d transA=%b transB=%b "
                    + "m=%d n=%d k=%d)", i, eight[i], four[i], threads, ta, tb, m, n, k));
              }
            }
          }
        }
      }
      assertThrows(IllegalArgumentException.class, () -> new PackedGemm(16, 8, 32, 6));
    } finally {
      Parallel.setThreads(before);
    }
  }

  @Test
  void registryNamesAndSwitching() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmKernels.byName("nope"));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("packed")
        && e.getMessage().contains("reference"), e.getMessage());
    assertEquals("packed", GemmKernels.DEFAULT);
    GemmKernel previous = GemmKernels.use("reference");
    try {
      assertEquals("reference", GemmKernels.active().name());
      GemmKernels.use("packed");
      assertEquals("packed", GemmKernels.active().name());
      assertSame(GemmKernels.byName("packed"), GemmKernels.active());
    } finally {
      GemmKernels.use(previous.name());
    }
  }
}
