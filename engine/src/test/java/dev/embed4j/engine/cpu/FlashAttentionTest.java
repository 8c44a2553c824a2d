package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.embed4j.engine.cpu.reference.AttentionReference;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The flash kernel against the materialised double-precision twin, forward (out, lse) and backward. */
class FlashAttentionTest {
  private static final double TOL = 2e-5;

  enum Mask { NONE, RIGHT_PADDING, RANDOM, ONE_KEY }

  /** batch, heads, seqQ, seqK, dim, scale, mask: sizes of 1, odd, block remainders, non-multiples of 8. */
  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(1, 1, 1, 1, 1, 1f, Mask.NONE),
        Arguments.of(1, 1, 7, 7, 5, 0.447f, Mask.NONE),
        Arguments.of(2, 3, 33, 7, 8, 0.35f, Mask.RIGHT_PADDING),
        Arguments.of(3, 1, 1, 65, 17, 0.25f, Mask.RANDOM),
        Arguments.of(1, 2, 65, 33, 32, 0.177f, Mask.ONE_KEY),
        Arguments.of(2, 2, 130, 130, 32, 0.177f, Mask.RIGHT_PADDING),
        Arguments.of(1, 3, 130, 65, 1, 1.5f, Mask.RANDOM),
        Arguments.of(2, 1, 7, 130, 5, 3f, Mask.ONE_KEY),
        Arguments.of(3, 3, 65, 65, 32, 0.177f, Mask.NONE),
        Arguments.of(1, 1, 33, 1, 17, 0.05f, Mask.NONE),
        Arguments.of(2, 2, 64, 128, 16, -0.3f, Mask.RANDOM));
  }

  @ParameterizedTest(name = "[{0},{1},{2}x{3},{4}] scale {5} mask {6}")
  @MethodSource("shapes")
  void matchesReference(int batch, int heads, int seqQ, int seqK, int dim, float scale, Mask maskKind) {
    Random rnd = new Random(31L * seqQ + 7L * seqK + dim + batch + heads);
    float[] q = gaussian(rnd, batch * heads * seqQ * dim);
    float[] k = gaussian(rnd, batch * heads * seqK * dim);
    float[] v = gaussian(rnd, batch * heads * seqK * dim);
    float[] gOut = gaussian(rnd, batch * heads * seqQ * dim);
    float[] mask = mask(rnd, maskKind, batch, seqK);

    for (float dropout : new float[] {0f, 0.3f}) {
      long seed = 12345L + seqQ;
      String tag = dropout == 0f ? "" : " (dropout " + dropout + ")";
      float[] out = new float[q.length], lse = new float[batch * heads * seqQ];
      float[] refOut = new float[q.length], refLse = new float[lse.length];
      FlashAttention.forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
      AttentionReference.forward(q, k, v, mask, refOut, refLse, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
      assertClose("out" + tag, refOut, out);
      assertClose("lse" + tag, refLse, lse);

      // Garbage in the outputs proves the kernel writes (not accumulates) them.
      float[] gq = filled(q.length), gk = filled(k.length), gv = filled(v.length);
      float[] rq = new float[q.length], rk = new float[k.length], rv = new float[v.length];
      FlashAttention.backward(q, k, v, mask, out, lse, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, scale, dropout,
          seed);
      AttentionReference.backward(q, k, v, mask, gOut, rq, rk, rv, batch, heads, seqQ, seqK, dim, scale, dropout, seed);
      assertClose("gq" + tag, rq, gq);
      assertClose("gk" + tag, rk, gk);
      assertClose("gv" + tag, rv, gv);
    }
  }

  /**
   * Dropout at rate 0.25 on a uniform softmax (all scores equal, V = 1): each output is (kept keys)/seqK
   * times 4/3, so its mean over many rows is 1 and about a quarter of the probabilities are dropped.
   */
  @Test
  void dropoutKeepsTheExpectedShare() {
    int heads = 4, seqQ = 64, seqK = 128, dim = 1;
    float[] q = new float[heads * seqQ], k = new float[heads * seqK], v = new float[heads * seqK];
    Arrays.fill(v, 1f);
    float[] out = new float[q.length], lse = new float[q.length];
    FlashAttention.forward(q, k, v, null, out, lse, 1, heads, seqQ, seqK, dim, 1f, 0.25f, 42L);
    double mean = 0;
    for (float o : out) {
      double kept = o * 0.75 * seqK; // the number of kept keys in this row
      assertEquals(Math.rint(kept), kept, 1e-3, "a row's output is a whole number of kept keys");
      mean += o / out.length;
    }
    assertEquals(1.0, mean, 0.01, "mean output under inverted dropout");
    float[] again = new float[out.length];
    FlashAttention.forward(q, k, v, null, again, lse, 1, heads, seqQ, seqK, dim, 1f, 0.25f, 43L);
    assertTrue(!Arrays.equals(out, again), "another seed draws another mask");
  }

  @Test
  void fullyMaskedRowsAttendToNothing() {
    int batch = 2, heads = 2, seqQ = 35, seqK = 9, dim = 6;
    Random rnd = new Random(5);
    float[] q = gaussian(rnd, batch * heads * seqQ * dim), k = gaussian(rnd, batch * heads * seqK * dim);
    float[] v = gaussian(rnd, k.length), gOut = gaussian(rnd, q.length);
    float[] mask = new float[batch * seqK];
    Arrays.fill(mask, seqK, 2 * seqK, 1f); // batch 0 all padding, batch 1 all keys
    int pairElems = heads * seqQ * dim, pairKeys = heads * seqK * dim;

    for (boolean flash : new boolean[] {true, false}) {
      float[] out = filled(q.length), lse = filled(batch * heads * seqQ);
      float[] gq = filled(q.length), gk = filled(k.length), gv = filled(v.length);
      if (flash) {
        FlashAttention.forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, 0.4f);
        FlashAttention.backward(q, k, v, mask, out, lse, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, 0.4f);
      } else {
        AttentionReference.forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, 0.4f);
        AttentionReference.backward(q, k, v, mask, gOut, gq, gk, gv, batch, heads, seqQ, seqK, dim, 0.4f);
      }
      String who = flash ? "flash" : "reference";
      for (int i = 0; i < heads * seqQ; i++) assertEquals(Float.NEGATIVE_INFINITY, lse[i], who + " lse");
      for (int i = heads * seqQ; i < lse.length; i++) assertTrue(Float.isFinite(lse[i]), who + " lse");
      for (float[] g : new float[][] {out, gq}) {
        for (int i = 0; i < pairElems; i++) assertEquals(0f, g[i], who);
        for (int i = pairElems; i < g.length; i++) assertTrue(Float.isFinite(g[i]) && g[i] != 0f, who);
      }
      for (float[] g : new float[][] {gk, gv}) {
        for (int i = 0; i < pairKeys; i++) assertEquals(0f, g[i], who);
        for (int i = pairKeys; i < g.length; i++) assertTrue(Float.isFinite(g[i]), who);
      }
    }
  }

  @Test
  void sameResultWithOneThreadAndWithTwo() {
    int batch = 3, heads = 4, seqQ = 70, seqK = 70, dim = 24;
    Random rnd = new Random(11);
    float[] q = gaussian(rnd, batch * heads * seqQ * dim), k = gaussian(rnd, q.length), v = gaussian(rnd, q.length);
    float[] mask = mask(rnd, Mask.RIGHT_PADDING, batch, seqK);
    int before = Parallel.threads();
    float[][] outs = new float[2][];
    try {
      for (int t = 1; t <= 2; t++) {
        Parallel.setThreads(t);
        float[] out = new float[q.length], lse = new float[batch * heads * seqQ];
        FlashAttention.forward(q, k, v, mask, out, lse, batch, heads, seqQ, seqK, dim, 0.2f);
        outs[t - 1] = out;
      }
    } finally {
      Parallel.setThreads(before);
    }
    // Each (batch, head) pair is computed by one thread in the same order, so the bits agree.
    assertTrue(Arrays.equals(outs[0], outs[1]));
  }

  /**
   * q, k and v read out of the rows of one fused-projection matrix (token-major, a row of 3·heads·dim floats
   * plus a gap, after a leading offset), out written token-major, and the gradients written into one
   * matrix laid out like the input: the same bits as the contiguous [batch, heads, seq, dim] kernel, with
   * and without dropout and padding, and nothing written outside the heads.
   */
  @ParameterizedTest(name = "[{0},{1},{2},{3}] dropout {4}")
  @MethodSource("tokenMajorShapes")
  void tokenMajorLayoutsGiveTheContiguousBits(int batch, int heads, int seq, int dim, float dropout) {
    Random rnd = new Random(31L * seq + dim);
    int width = heads * dim, row = 3 * width + 3, off = 5, n = batch * heads * seq * dim;
    float[] fused = gaussian(rnd, off + batch * seq * row);
    float[] mask = mask(rnd, Mask.RIGHT_PADDING, batch, seq);
    float[][] split = new float[3][n];
    for (int part = 0; part < 3; part++) {
      for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < seq; i++) {
            System.arraycopy(fused, off + (b * seq + i) * row + part * width + h * dim, split[part],
                ((b * heads + h) * seq + i) * dim, dim);
          }
        }
      }
    }
    float scale = 0.3f;
    long seed = 4242L;
    float[] out = new float[n], lse = new float[batch * heads * seq];
    FlashAttention.forward(split[0], split[1], split[2], mask, out, lse, batch, heads, seq, seq, dim, scale, dropout, seed);
    float[] gOut = gaussian(rnd, n), gq = new float[n], gk = new float[n], gv = new float[n];
    FlashAttention.backward(split[0], split[1], split[2], mask, out, lse, gOut, gq, gk, gv, batch, heads, seq, seq, dim,
        scale, dropout, seed);

    FlashAttention.Layout[] parts = new FlashAttention.Layout[3];
    for (int part = 0; part < 3; part++) parts[part] = FlashAttention.Layout.tokenMajor(off + part * width, seq, dim, row);
    FlashAttention.Layout lo = FlashAttention.Layout.tokenMajor(0, seq, dim, width);
    float[] out2 = filled(batch * seq * width), lse2 = filled(lse.length);
    FlashAttention.forward(fused, parts[0], fused, parts[1], fused, parts[2], mask, out2, lo, lse2, batch, heads, seq, seq,
        dim, scale, dropout, seed);
    float[] gOut2 = new float[out2.length];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          int c = ((b * heads + h) * seq + i) * dim, t = (b * seq + i) * width + h * dim;
          for (int d = 0; d < dim; d++) {
            assertEquals(Float.floatToRawIntBits(out[c + d]), Float.floatToRawIntBits(out2[t + d]), "out " + b + "," + h + "," + i);
          }
          System.arraycopy(gOut, c, gOut2, t, dim);
        }
      }
    }
    assertTrue(Arrays.equals(lse, lse2), "lse");
    float[] g = new float[fused.length];
    Arrays.fill(g, 7f); // the gap and the offset must keep this
    FlashAttention.backward(fused, fused, fused, parts[0], parts[1], parts[2], mask, out2, gOut2, lo, lse2, g, g, g, batch,
        heads, seq, seq, dim, scale, dropout, seed);
    float[][] want = {gq, gk, gv};
    for (int j = 0; j < off; j++) assertEquals(7f, g[j], "before the first row");
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        int r = off + (b * seq + i) * row;
        for (int j = 3 * width; j < row; j++) assertEquals(7f, g[r + j], "the gap of row " + (b * seq + i));
        for (int part = 0; part < 3; part++) {
          for (int h = 0; h < heads; h++) {
            int c = ((b * heads + h) * seq + i) * dim, t = r + part * width + h * dim;
            for (int d = 0; d < dim; d++) {
              if (Float.floatToRawIntBits(want[part][c + d]) != Float.floatToRawIntBits(g[t + d])) {
                fail("gradient " + "qkv".charAt(part) + " [" + b + "," + h + "," + i + "," + d + "]: contiguous "
                    + want[part][c + d] + ", token-major " + g[t + d]);
              }
            }
          }
        }
      }
    }
  }

  static Stream<Arguments> tokenMajorShapes() {
    return Stream.of(
        Arguments.of(1, 1, 1, 1, 0f),
        Arguments.of(2, 3, 33, 8, 0f),
        Arguments.of(2, 2, 70, 5, 0.1f),
        Arguments.of(3, 4, 17, 32, 0.5f));
  }

  private static float[] mask(Random rnd, Mask kind, int batch, int seqK) {
    if (kind == Mask.NONE) return null;
    float[] m = new float[batch * seqK];
    for (int b = 0; b < batch; b++) {
      switch (kind) {
        case RIGHT_PADDING -> {
          int valid = b == 0 ? seqK : 1 + rnd.nextInt(seqK);
          Arrays.fill(m, b * seqK, b * seqK + valid, 1f);
        }
        case RANDOM -> {
          for (int j = 0; j < seqK; j++) m[b * seqK + j] = rnd.nextInt(3) == 0 ? 0f : 1f;
          m[b * seqK + rnd.nextInt(seqK)] = 1f;
        }
        case ONE_KEY -> m[b * seqK + (b == 0 ? 0 : rnd.nextInt(seqK))] = 1f;
        default -> throw new AssertionError(kind);
      }
    }
    return m;
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
    return x;
  }

  private static float[] filled(int n) {
    float[] x = new float[n];
    Arrays.fill(x, Float.NaN);
    return x;
  }

  /**
   * |got − want| ≤ TOL·(|want| + max(1, the largest |want|)), element by element. The floor of 1 (the inputs'
   * scale) matters where the exact gradient is 0, as gq is when a row attends to a single key.
   */
  private static void assertClose(String what, float[] want, float[] got) {
    double big = 1;
    for (float w : want) big = Math.max(big, Math.abs(w));
    for (int i = 0; i < want.length; i++) {
      double err = Math.abs((double) got[i] - want[i]);
      if (!(err <= TOL * (Math.abs(want[i]) + big))) {
        fail(what + "[" + i + "]: expected " + want[i] + " but got " + got[i] + " (largest |value| " + big + ")");
      }
    }
  }
}
