package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.cpu.reference.PairwiseLogSumExpReference;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tiled kernel against the materialised double-precision twin, on awkward shapes and masks, with and
 * without a hardness penalty.
 */
class PairwiseLogSumExpKernelTest {
  /** n, m, d: size 1, odd sizes, sizes that straddle the 4-row micro-kernel, the 32-row tile and 128-column block. */
  private static final int[][] SHAPES = {
      {1, 1, 1}, {1, 7, 3}, {5, 1, 2}, {3, 3, 17}, {7, 13, 9}, {33, 70, 17}, {66, 129, 8}, {37, 300, 35}, {130, 41, 1},
      {900, 37, 19}}; // rows split over the threads

  private record Masks(int[] start, int[] end, int period) {}

  /** A hardness penalty as the kernel takes it; {@link #NONE} is strength 0. */
  private record Hard(String name, float strength, int[] start, int[] end, int period, boolean complement) {
    static final Hard NONE = new Hard("none", 0f, null, null, 1, false);
  }

  /**
   * Each predicate form for n rows and m columns at strength α: a row's own columns i, i + p, i + 2p, …
   * (MNRL's hard negatives); their complement (its in-batch negatives); no range, complemented (every
   * off-diagonal element), and explicit empty ranges complemented (the same); random plain ranges, and
   * their complement.
   */
  private static Hard[] hardFor(int n, int m, float alpha, Random r) {
    int period = Math.max(1, Math.min(n, m) / 2 + 1);
    int[] ps = new int[n], pe = new int[n], es = new int[n], ee = new int[n], rs = new int[n], re = new int[n];
    for (int i = 0; i < n; i++) {
      ps[i] = i % period;
      pe[i] = ps[i] + 1;
      es[i] = ee[i] = r.nextInt(m + 1);
      rs[i] = r.nextInt(m + 1);
      re[i] = rs[i] + r.nextInt(m + 1 - rs[i]);
    }
    return new Hard[] {new Hard("own every " + period, alpha, ps, pe, period, false),
        new Hard("not own every " + period, alpha, ps, pe, period, true), new Hard("all", alpha, null, null, 1, true),
        new Hard("empty ranges complemented", alpha, es, ee, Integer.MAX_VALUE, true),
        new Hard("ranges", alpha, rs, re, Integer.MAX_VALUE, false),
        new Hard("not ranges", alpha, rs, re, Integer.MAX_VALUE, true)};
  }

  private static Masks[] masksFor(int n, int m, Random r) {
    int[] s = new int[n], e = new int[n], ds = new int[n], de = new int[n], ps = new int[n], pe = new int[n];
    int period = Math.max(1, m / 3);
    for (int i = 0; i < n; i++) {
      s[i] = r.nextInt(m + 1);
      e[i] = s[i] + r.nextInt(m + 1 - s[i]);
      ds[i] = Math.min(i, m);
      de[i] = Math.min(i + 1, m);
      ps[i] = i % period;
      pe[i] = ps[i] + 1;
    }
    if (n > 1) { // one row fully excluded
      s[n / 2] = 0;
      e[n / 2] = m;
    }
    return new Masks[] {null, new Masks(s, e, Integer.MAX_VALUE), new Masks(ds, de, Integer.MAX_VALUE),
        new Masks(ps, pe, period)};
  }

  private static float[] random(Random r, int rows, int d, boolean unit) {
    float[] x = new float[rows * d];
    for (int i = 0; i < rows; i++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        x[i * d + k] = (float) r.nextGaussian();
        norm += x[i * d + k] * x[i * d + k];
      }
      double f = unit ? 1 / Math.sqrt(norm) : 1 / Math.sqrt(d);
      for (int k = 0; k < d; k++) x[i * d + k] *= (float) f;
    }
    return x;
  }

  private static float[] randomOrNull(Random r, int len) {
    if (r.nextInt(4) == 0) return null;
    float[] g = new float[len];
    for (int i = 0; i < len; i++) g[i] = (float) r.nextGaussian();
    return g;
  }

  @Test
  void forwardAndBackwardMatchTheMaterialisedTwin() {
    Random r = new Random(7);
    for (int[] shape : SHAPES) {
      for (float scale : new float[] {1f, 20f}) {
        for (Masks mask : masksFor(shape[0], shape[1], r)) check(shape[0], shape[1], shape[2], scale, mask, Hard.NONE, false, r);
      }
    }
  }

  @Test
  void threadsAreCutToWhatTheHeapHolds() {
    int m = 16384, rb = PairwiseLogSumExpKernel.rowBlock(m); // 256 rows: 4 Mi floats per block
    long copy = 16384L * 384, halfGiB = (512L << 20) / 16; // a 512 MB heap's quarter, in floats
    assertEquals(3, PairwiseLogSumExpKernel.fit(16, rb, m, copy, halfGiB));
    assertEquals(8, PairwiseLogSumExpKernel.fit(16, rb, m, 0, halfGiB)); // a forward: blocks only, 8 × 4 Mi
    assertEquals(1, PairwiseLogSumExpKernel.fit(16, rb, m, copy, 1)); // always at least one
    assertEquals(2, PairwiseLogSumExpKernel.fit(2, 4, 100, 100, 1L << 30));
  }

  @Test
  void manySmallRowBlocksGiveTheSameGradients() {
    int saved = PairwiseLogSumExpKernel.blockFloats;
    PairwiseLogSumExpKernel.blockFloats = 1000; // rowBlock(m) = 1000 / m rows, at least 4
    try {
      Random r = new Random(5);
      for (int[] shape : new int[][] {{66, 129, 8}, {37, 300, 35}, {130, 41, 3}, {7, 13, 9}}) {
        for (Masks mask : masksFor(shape[0], shape[1], r)) check(shape[0], shape[1], shape[2], 20f, mask, Hard.NONE, false, r);
      }
    } finally {
      PairwiseLogSumExpKernel.blockFloats = saved;
    }
  }

  /**
   * The hardness penalty, every predicate form, against the twin that adds α·dot element by element with a
   * modulo: alone and under each mask, forward, backward and the rows-only forward with its gradient; with
   * the default block and with many row blocks of 4 (so a block starts on rows other than 0 and the diagonal
   * kept in one block is not the next's).
   */
  @Test
  void hardnessMatchesTheMaterialisedTwin() {
    Random r = new Random(17);
    for (int[] shape : new int[][] {{1, 1, 1}, {1, 7, 3}, {5, 1, 2}, {7, 13, 9}, {13, 39, 17}, {33, 70, 17}, {66, 129, 8}}) {
      int n = shape[0], m = shape[1], d = shape[2];
      for (float alpha : new float[] {5f, 9f}) {
        for (Hard hard : hardFor(n, m, alpha, r)) {
          for (Masks mask : masksFor(n, m, r)) check(n, m, d, 20f, mask, hard, false, r);
        }
      }
      for (Hard hard : hardFor(n, m, 3f, r)) check(n, m, d, 1f, null, hard, true, r);
    }
    int saved = PairwiseLogSumExpKernel.blockFloats;
    PairwiseLogSumExpKernel.blockFloats = 1000;
    try {
      for (int[] shape : new int[][] {{66, 129, 8}, {37, 300, 35}, {130, 41, 3}}) {
        for (Hard hard : hardFor(shape[0], shape[1], 9f, r)) {
          for (Masks mask : masksFor(shape[0], shape[1], r)) check(shape[0], shape[1], shape[2], 20f, mask, hard, true, r);
        }
      }
    } finally {
      PairwiseLogSumExpKernel.blockFloats = saved;
    }
  }

  /** The penalty moves the outputs (so the test above can fail) and leaves the diagonal output alone. */
  @Test
  void hardnessChangesTheLogSumExpsButNotTheDiagonal() {
    Random r = new Random(23);
    int n = 9, m = 18, d = 7;
    float[] a = random(r, n, d, true), b = random(r, m, d, true);
    float[] row0 = new float[n], col0 = new float[m], diag0 = new float[n], row = new float[n], col = new float[m],
        diag = new float[n];
    PairwiseLogSumExpKernel.forward(a, b, n, m, d, 20f, null, null, 1, 0f, null, null, 1, false, row0, col0, diag0);
    for (Hard hard : hardFor(n, m, 5f, r)) {
      PairwiseLogSumExpKernel.forward(a, b, n, m, d, 20f, null, null, 1, hard.strength, hard.start, hard.end,
          hard.period, hard.complement, row, col, diag);
      assertTrue(java.util.Arrays.equals(diag0, diag), hard.name + ": the diagonal is never penalised");
      if (hard.name.startsWith("own") || hard.name.startsWith("not") || hard.name.equals("all")) {
        assertTrue(!java.util.Arrays.equals(row0, row), hard.name + ": rowLse should move");
      }
    }
    // strength 0 with ranges given is no penalty, bit for bit
    Hard own = hardFor(n, m, 5f, r)[0];
    PairwiseLogSumExpKernel.forward(a, b, n, m, d, 20f, null, null, 1, 0f, own.start, own.end, own.period, true, row,
        col, diag);
    assertTrue(java.util.Arrays.equals(row0, row) && java.util.Arrays.equals(col0, col), "strength 0 changed the bits");
  }

  @Test
  void scale20And100WithUnitRowsStayFinite() {
    Random r = new Random(11);
    for (float scale : new float[] {20f, 100f}) {
      check(45, 150, 64, scale, null, Hard.NONE, true, r);
      check(45, 45, 33, scale, masksFor(45, 45, r)[2], Hard.NONE, true, r);
    }
    // Every score near −100: a kernel that did not shift by the running maximum would underflow to −∞,
    // one that shifted by a fixed bound would overflow.
    int n = 9, m = 140, d = 16;
    float[] a = nearlyParallel(new Random(1), n, d, 1f), b = nearlyParallel(new Random(2), m, d, -1f);
    float[] row = new float[n], col = new float[m], diag = new float[n];
    float[] rowRef = new float[n], colRef = new float[m], diagRef = new float[n];
    PairwiseLogSumExpKernel.forward(a, b, n, m, d, 100f, null, null, 1, 0f, null, null, 1, false, row, col, diag);
    PairwiseLogSumExpReference.forward(a, b, n, m, d, 100f, null, null, 1, 0f, null, null, 1, false, rowRef, colRef,
        diagRef);
    for (float v : row) assertTrue(Float.isFinite(v) && v < -90f, "row lse " + v);
    assertClose("anti-aligned rowLse", rowRef, row, 1e-5);
    assertClose("anti-aligned colLse", colRef, col, 1e-5);
  }

  /** Unit rows within about 0.01 of ±(1, 1, …, 1)/√d. */
  private static float[] nearlyParallel(Random r, int rows, int d, float sign) {
    float[] x = new float[rows * d];
    for (int i = 0; i < rows; i++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        x[i * d + k] = (float) (1 + 0.01 * r.nextGaussian());
        norm += x[i * d + k] * x[i * d + k];
      }
      for (int k = 0; k < d; k++) x[i * d + k] *= (float) (sign / Math.sqrt(norm));
    }
    return x;
  }

  private static void check(int n, int m, int d, float scale, Masks mask, Hard hard, boolean unit, Random r) {
    String what = "n=" + n + " m=" + m + " d=" + d + " scale=" + scale + (mask == null ? "" : " mask period " + mask.period)
        + (hard.strength == 0f ? "" : " hardness " + hard.name + " α=" + hard.strength);
    float h = hard.strength;
    int[] hs = hard.start, he = hard.end;
    int hp = hard.period;
    boolean hc = hard.complement;
    float[] a = random(r, n, d, unit), b = random(r, m, d, unit);
    int[] ms = mask == null ? null : mask.start, me = mask == null ? null : mask.end;
    int mp = mask == null ? 1 : mask.period;
    int k = Math.min(n, m);
    boolean columns = r.nextInt(5) != 0;
    float[] row = new float[n], col = columns ? new float[m] : null, diag = new float[k];
    float[] rowRef = new float[n], colRef = new float[m], diagRef = new float[k];
    PairwiseLogSumExpKernel.forward(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, row, col, diag);
    PairwiseLogSumExpReference.forward(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, rowRef, colRef, diagRef);
    double tol = 1e-5 + 4e-7 * (scale + h) * Math.sqrt(d);
    assertClose(what + " rowLse", rowRef, row, tol);
    if (columns) assertClose(what + " colLse", colRef, col, tol);
    assertClose(what + " diag", diagRef, diag, tol);

    float[] gRow = randomOrNull(r, n), gCol = columns ? randomOrNull(r, m) : null, gDiag = randomOrNull(r, k);
    float[] gA = new float[n * d], gB = new float[m * d], gARef = new float[n * d], gBRef = new float[m * d];
    java.util.Arrays.fill(gA, Float.NaN); // written, not accumulated
    java.util.Arrays.fill(gB, Float.NaN);
    PairwiseLogSumExpKernel.backward(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, row, col, gRow, gCol, gDiag, gA,
        gB);
    PairwiseLogSumExpReference.backward(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, gRow, gCol, gDiag, gARef,
        gBRef);
    assertCloseRelativeToMax(what + " gA", gARef, gA);
    assertCloseRelativeToMax(what + " gB", gBRef, gB);

    // the rows-only forward that also returns the gradient of the summed row log-sum-exp
    float[] row2 = new float[n], diag2 = new float[k], ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    java.util.Arrays.fill(gA, Float.NaN);
    java.util.Arrays.fill(gB, Float.NaN);
    PairwiseLogSumExpKernel.forwardWithRowGradient(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, row2, diag2, gA,
        gB);
    PairwiseLogSumExpReference.backward(a, b, n, m, d, scale, ms, me, mp, h, hs, he, hp, hc, ones, null, null, gARef,
        gBRef);
    assertClose(what + " rowLse (with gradient)", rowRef, row2, tol);
    assertClose(what + " diag (with gradient)", diagRef, diag2, tol);
    assertCloseRelativeToMax(what + " gA of sum(rowLse)", gARef, gA);
    assertCloseRelativeToMax(what + " gB of sum(rowLse)", gBRef, gB);
  }

  private static void assertClose(String what, float[] expected, float[] actual, double tol) {
    for (int i = 0; i < actual.length; i++) {
      float e = expected[i], g = actual[i];
      if (e == Float.NEGATIVE_INFINITY) {
        assertEquals(e, g, what + "[" + i + "] should be -inf");
        continue;
      }
      assertTrue(Math.abs(e - g) <= tol * (1 + Math.abs(e)), what + "[" + i + "]: expected " + e + ", got " + g);
    }
  }

  private static void assertCloseRelativeToMax(String what, float[] expected, float[] actual) {
    double max = 0;
    for (float v : expected) max = Math.max(max, Math.abs(v));
    for (int i = 0; i < actual.length; i++) {
      assertTrue(Math.abs(expected[i] - actual[i]) <= 2e-5 * max + 1e-6,
          what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (max |g| " + max + ")");
    }
  }
}
