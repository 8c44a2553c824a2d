package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.assertClose;

import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.engine.backend.Storage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's chunk walk ({@link PairwiseChunks}) without a GPU: the same walk runs on plain Java
 * twins of the kernels of pairwise.cu and of cuBLAS, and must give what the CPU backend's pairwise kernel
 * gives, for one row per chunk, a few rows, and all rows at once; every mask form, without and with each form
 * of hardness penalty; n ≠ m; forward, backward with any upstream gradient absent, and the rows-only forward
 * with its gradient. This checks the chunk
 * offsets, the GEMM arguments, the order of the passes and the semantics the kernels are meant to have;
 * the kernels' own code runs only on a GPU ({@link CudaPairwiseLogSumExpTest}).
 */
class PairwiseChunksTest {
  /** Float arrays behind pointers (array number in the high 32 bits, element in the low), 0 meaning none. */
  private static final class JavaOps implements PairwiseChunks.Ops {
    final List<float[]> arrays = new ArrayList<>();
    final Map<Long, int[]> masks = new HashMap<>();
    int live;

    long put(float[] x) {
      arrays.add(x);
      return (long) arrays.size() << 32;
    }

    /** An output filled with NaN: the walk must write every element, not add to it. */
    long garbage(int n) {
      float[] x = new float[n];
      java.util.Arrays.fill(x, Float.NaN);
      return put(x);
    }

    float[] array(long p) {
      return arrays.get((int) (p >>> 32) - 1);
    }

    static int index(long p) {
      return (int) (p & 0xffffffffL);
    }

    float get(long p, long i) {
      return array(p)[index(p) + (int) i];
    }

    void set(long p, long i, float v) {
      array(p)[index(p) + (int) i] = v;
    }

    @Override
    public long at(long pointer, long floats) {
      return pointer + floats;
    }

    @Override
    public long allocate(long floats) {
      live++;
      float[] x = new float[(int) floats];
      java.util.Arrays.fill(x, Float.NaN); // scratch starts as garbage, as device memory does
      return put(x);
    }

    @Override
    public void free(long pointer) {
      live--;
    }

    @Override
    public PairwiseChunks.Mask uploadMask(int[] start, int[] end, int n, int period) {
      if (start == null) return PairwiseChunks.Mask.NONE;
      live++;
      long p = put(new float[0]);
      int[] both = new int[2 * n];
      System.arraycopy(start, 0, both, 0, n);
      System.arraycopy(end, 0, both, n, n);
      masks.put(p, both);
      return new PairwiseChunks.Mask(p, p + n, period);
    }

    @Override
    public void freeMask(PairwiseChunks.Mask mask) {
      if (mask.present()) live--;
    }

    boolean excluded(PairwiseChunks.Mask mask, int i, int j) {
      if (!mask.present()) return false;
      int[] both = masks.get(mask.start());
      int n = index(mask.end());
      int r = mask.period() == Integer.MAX_VALUE ? j : j % mask.period();
      return r >= both[i] && r < both[n + i];
    }

    @Override
    public void fill(long pointer, long count, float value) {
      for (long i = 0; i < count; i++) set(pointer, i, value);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
        float beta, long c, int ldc) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int t = 0; t < k; t++) {
            float x = transA ? get(a, (long) t * lda + i) : get(a, (long) i * lda + t);
            float y = transB ? get(b, (long) j * ldb + t) : get(b, (long) t * ldb + j);
            acc += (double) x * y;
          }
          float old = beta == 0f ? 0f : beta * get(c, (long) i * ldc + j); // beta 0 ignores garbage, as cuBLAS does
          set(c, (long) i * ldc + j, (float) (alpha * acc) + old);
        }
      }
    }

    /** e4j_pair_harden: penalised (j ≠ i, range test ≠ complement) elements times the factor. */
    @Override
    public void harden(long s, int rows, int m, int row0, PairwiseChunks.Mask ranges, boolean complement, float factor) {
      for (int r = 0; r < rows; r++) {
        int i = row0 + r;
        for (int j = 0; j < m; j++) {
          if (j != i && excluded(ranges, i, j) != complement) set(s, (long) r * m + j, get(s, (long) r * m + j) * factor);
        }
      }
    }

    @Override
    public void rowLse(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long diag, int diagCount) {
      for (int r = 0; r < rows; r++) {
        int i = row0 + r;
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < m; j++) if (!excluded(mask, i, j)) max = Math.max(max, get(s, (long) r * m + j));
        for (int j = 0; j < m; j++) if (!excluded(mask, i, j)) sum += Math.exp(get(s, (long) r * m + j) - max);
        set(rowLse, i, max == Double.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : (float) (max + Math.log(sum)));
        if (i < diagCount) set(diag, i, get(s, (long) r * m + i));
      }
    }

    @Override
    public void colMerge(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long colMax, long colSum,
        boolean first) {
      for (int j = 0; j < m; j++) {
        double mx = first ? Double.NEGATIVE_INFINITY : get(colMax, j), sm = first ? 0 : get(colSum, j);
        for (int r = 0; r < rows; r++) {
          if (excluded(mask, row0 + r, j)) continue;
          double v = get(s, (long) r * m + j);
          if (v > mx) {
            sm = sm * Math.exp(mx - v) + 1;
            mx = v;
          } else {
            sm += Math.exp(v - mx);
          }
        }
        set(colMax, j, (float) mx);
        set(colSum, j, (float) sm);
      }
    }

    @Override
    public void colFinish(long colMax, long colSum, long colLse, int m) {
      for (int j = 0; j < m; j++) {
        float mx = get(colMax, j);
        set(colLse, j, mx == Float.NEGATIVE_INFINITY ? mx : (float) (mx + Math.log(get(colSum, j))));
      }
    }

    @Override
    public void grad(long s, int rows, int m, int row0, PairwiseChunks.Mask mask, long rowLse, long gRow, float rowWeight,
        long colLse, long gCol, long gDiag, int diagCount) {
      for (int r = 0; r < rows; r++) {
        int i = row0 + r;
        for (int j = 0; j < m; j++) {
          long e = (long) r * m + j;
          double v = get(s, e), g = 0;
          if (!excluded(mask, i, j)) {
            if (gRow != 0 || rowWeight != 0f) g += (gRow != 0 ? get(gRow, i) : rowWeight) * Math.exp(v - get(rowLse, i));
            if (colLse != 0 && gCol != 0) g += get(gCol, j) * Math.exp(v - get(colLse, j));
          }
          if (gDiag != 0 && i == j && i < diagCount) g += get(gDiag, i);
          set(s, e, (float) g);
        }
      }
    }
  }

  private static float[] gaussian(Random r, int n, float sd) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * sd;
    return x;
  }

  private static float[] host(Backend b, Storage s, int n) {
    float[] h = new float[n];
    b.download(s, 0, h, 0, n);
    return h;
  }

  private static float[] copy(JavaOps o, long p, int n) {
    float[] h = new float[n];
    for (int i = 0; i < n; i++) h[i] = o.get(p, i);
    return h;
  }

  @Test
  void theChunkWalkGivesTheCpuKernelsResults() {
    Random r = new Random(3);
    for (int[] size : new int[][] {{1, 1, 1}, {13, 9, 5}, {9, 13, 7}, {20, 20, 3}}) {
      for (PairwiseMaskCase mc : PairwiseMaskCase.all(size[0], size[1], r)) {
        check(size[0], size[1], size[2], mc, PairwiseHardnessCase.NONE, r);
      }
    }
  }

  /** The walk calls e4j_pair_harden after every chunk's scores, forward and backward, and frees its ranges. */
  @Test
  void theChunkWalkWithAHardnessPenaltyGivesTheCpuKernelsResults() {
    Random r = new Random(4);
    for (int[] size : new int[][] {{1, 1, 1}, {13, 9, 5}, {9, 13, 7}, {12, 36, 3}}) {
      int n = size[0], m = size[1];
      List<PairwiseMaskCase> masks = PairwiseMaskCase.all(n, m, r);
      for (PairwiseHardnessCase hc : PairwiseHardnessCase.all(n, m, 9f, r)) {
        for (PairwiseMaskCase mc : List.of(masks.get(0), masks.get(1), masks.get(3))) check(n, m, size[2], mc, hc, r);
      }
    }
  }

  private static void check(int n, int m, int d, PairwiseMaskCase mc, PairwiseHardnessCase hc, Random r) {
    Backend cpu = Backends.cpu();
    int k = Math.min(n, m);
    float scale = 20f, h = hc.strength();
    int[] hs = hc.start(), he = hc.end();
    int hp = hc.period();
    boolean cpl = hc.complement();
    float[] a = gaussian(r, n * d, 0.3f), b = gaussian(r, m * d, 0.3f);
    float[] gRow = gaussian(r, n, 1), gCol = gaussian(r, m, 1), gDiag = gaussian(r, k, 1);
    // the CPU backend: forward, backward with all upstream gradients, rows only with the row gradient
    Storage ca = cpu.upload(a), cb = cpu.upload(b), row = cpu.allocate(n), col = cpu.allocate(m), dg = cpu.allocate(k);
    cpu.pairwiseLogSumExp(ca, cb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl, row, col, dg);
    float[] eRow = host(cpu, row, n), eCol = host(cpu, col, m), eDiag = host(cpu, dg, k);
    for (int rowsPerChunk : new int[] {1, 3, n}) {
      String what = "n=" + n + " m=" + m + " d=" + d + " mask " + mc.name() + ", hardness " + hc.name() + ", "
          + rowsPerChunk + " rows a chunk";
      JavaOps o = new JavaOps();
      long pa = o.put(a.clone()), pb = o.put(b.clone()), pRow = o.garbage(n), pCol = o.garbage(m), pDiag = o.garbage(k);
      PairwiseChunks.forward(o, pa, pb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl, pRow, pCol,
          pDiag, rowsPerChunk);
      assertClose(what + ": rowLse", eRow, copy(o, pRow, n), 1e-4, 1e-5);
      assertClose(what + ": colLse", eCol, copy(o, pCol, m), 1e-4, 1e-5);
      assertClose(what + ": diag", eDiag, copy(o, pDiag, k), 1e-5, 1e-5);

      for (int variant = 0; variant < 3; variant++) {
        float[] gr = variant == 2 ? null : gRow, gc = variant == 1 ? null : gCol, gd = variant == 1 ? null : gDiag;
        Storage gA = cpu.allocate((long) n * d), gB = cpu.allocate((long) m * d);
        cpu.pairwiseLogSumExpBackward(ca, cb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl,
            cpu.upload(eRow), cpu.upload(eCol), gr == null ? null : cpu.upload(gr), gc == null ? null : cpu.upload(gc),
            gd == null ? null : cpu.upload(gd), gA, gB);
        long pgA = o.garbage(n * d), pgB = o.garbage(m * d);
        PairwiseChunks.gradient(o, pa, pb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl, 0,
            o.put(eRow.clone()), gr == null ? 0 : o.put(gr.clone()), 0f, o.put(eCol.clone()),
            gc == null ? 0 : o.put(gc.clone()), gd == null ? 0 : o.put(gd.clone()), pgA, pgB, rowsPerChunk);
        assertClose(what + ": gA, variant " + variant, host(cpu, gA, n * d), copy(o, pgA, n * d), 1e-4, 1e-4);
        assertClose(what + ": gB, variant " + variant, host(cpu, gB, m * d), copy(o, pgB, m * d), 1e-4, 1e-4);
      }

      Storage row2 = cpu.allocate(n), dg2 = cpu.allocate(k), gA = cpu.allocate((long) n * d), gB = cpu.allocate((long) m * d);
      cpu.pairwiseLogSumExpWithRowGradient(ca, cb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl,
          row2, dg2, gA, gB);
      long r2 = o.garbage(n), d2 = o.garbage(k), pgA = o.garbage(n * d), pgB = o.garbage(m * d);
      PairwiseChunks.gradient(o, pa, pb, n, m, d, scale, mc.start(), mc.end(), mc.period(), h, hs, he, hp, cpl, d2, r2, 0,
          1f, 0, 0, 0, pgA, pgB, rowsPerChunk);
      assertClose(what + ": rowLse with the row gradient", host(cpu, row2, n), copy(o, r2, n), 1e-4, 1e-5);
      assertClose(what + ": diag with the row gradient", host(cpu, dg2, k), copy(o, d2, k), 1e-5, 1e-5);
      assertClose(what + ": gA of Σ rowLse", host(cpu, gA, n * d), copy(o, pgA, n * d), 1e-4, 1e-4);
      assertClose(what + ": gB of Σ rowLse", host(cpu, gB, m * d), copy(o, pgB, m * d), 1e-4, 1e-4);
      org.junit.jupiter.api.Assertions.assertEquals(0, o.live, what + ": scratch, mask or range blocks left allocated");
    }
  }
}
