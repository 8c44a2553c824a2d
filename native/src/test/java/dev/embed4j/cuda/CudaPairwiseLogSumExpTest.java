package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.assertClose;
import static dev.embed4j.cuda.GpuTestSupport.compare;
import static dev.embed4j.cuda.GpuTestSupport.withGrads;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.losses.Direction;
import dev.embed4j.losses.HardnessMode;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.losses.PartitionMode;
import dev.embed4j.losses.SimilarityFunction;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chunked pairwise log-sum-exp of the CUDA backend (forward, backward, and the rows-only forward with
 * its gradient) against the CPU kernel, which has its own tests against the float64 twin: awkward sizes,
 * n ≠ m, every mask form, one and several chunks, scale 20 and scale 100 with unit rows (scores near
 * ±scale), in FP32 (tight), TF32 and BF16 (tensor cores, loose); each form of hardness penalty in FP32. Then
 * the ranking losses end to end. Needs
 * a CUDA device.
 */
@ExtendWith(GpuTestSupport.SkippedWithoutGpu.class)
class CudaPairwiseLogSumExpTest {
  private static CudaBackend gpu;

  @BeforeAll
  static void gpu() {
    gpu = GpuTestSupport.gpuOrNull();
  }

  @AfterEach
  void restore() {
    if (gpu == null) return;
    gpu.setMatmulPrecision(MatmulPrecision.FP32);
    gpu.setPairwiseChunkBytes(256L << 20);
  }

  /** A mask and a name for the messages. */
  private static float[] rows(Random r, int count, int d, boolean unit) {
    float[] x = new float[count * d];
    for (int i = 0; i < count; i++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        x[i * d + k] = (float) r.nextGaussian();
        norm += x[i * d + k] * x[i * d + k];
      }
      if (unit) for (int k = 0; k < d; k++) x[i * d + k] /= (float) Math.sqrt(norm);
    }
    return x;
  }

  private static float[] host(Backend b, Storage s, int n) {
    float[] h = new float[n];
    if (n > 0) b.download(s, 0, h, 0, n);
    return h;
  }

  private static Storage up(Backend b, float[] x) {
    return x == null ? null : b.upload(x);
  }

  @Test
  void fp32MatchesTheCpuKernel() {
    run(MatmulPrecision.FP32, 2e-6, 1e-4);
  }

  @Test
  void tf32MatchesTheCpuKernelLoosely() {
    run(MatmulPrecision.TF32, 1e-3, 1e-2);
  }

  @Test
  void bf16MatchesTheCpuKernelLoosely() {
    run(MatmulPrecision.BF16, 5e-3, 5e-2);
  }

  /** atolPerScale: absolute tolerance per unit of scale (the scores' size). */
  private void run(MatmulPrecision precision, double atolPerScale, double rtol) {
    GpuTestSupport.assumeGpu();
    gpu.setMatmulPrecision(precision);
    Backend cpu = Backends.cpu();
    Random r = new Random(11);
    int[][] sizes = {{1, 1, 1}, {37, 53, 29}, {53, 37, 64}, {130, 130, 70}, {9, 300, 384}};
    for (int[] size : sizes) {
      int n = size[0], m = size[1], d = size[2];
      for (float scale : new float[] {20f, 100f}) {
        boolean unit = scale == 100f;
        float[] a = rows(r, n, d, unit), b = rows(r, m, d, unit);
        if (!unit) { // modest inputs at scale 20: scores of a few units
          for (int i = 0; i < a.length; i++) a[i] *= 0.15f;
          for (int i = 0; i < b.length; i++) b[i] *= 0.15f;
        }
        for (PairwiseMaskCase mc : PairwiseMaskCase.all(n, m, r)) {
          for (long chunk : new long[] {256L << 20, 4L * m * 7}) {
            gpu.setPairwiseChunkBytes(chunk);
            String what = precision + " n=" + n + " m=" + m + " d=" + d + " scale=" + scale + " mask=" + mc.name()
                + " rows/chunk=" + gpu.pairwiseChunkRows(n, m);
            checkOne(cpu, what, a, b, n, m, d, scale, mc, PairwiseHardnessCase.NONE, r, atolPerScale * scale, rtol);
          }
        }
      }
    }
  }

  /**
   * e4j_pair_harden in the walk, FP32: every predicate form of the penalty (at α = 9, LLaVE's) with no mask,
   * the diagonal and the periodic mask, one chunk and chunks of 7 rows, against the CPU kernel.
   */
  @Test
  void hardnessMatchesTheCpuKernel() {
    GpuTestSupport.assumeGpu();
    Backend cpu = Backends.cpu();
    Random r = new Random(13);
    for (int[] size : new int[][] {{1, 1, 1}, {37, 111, 29}, {53, 37, 64}}) {
      int n = size[0], m = size[1], d = size[2];
      float[] a = rows(r, n, d, true), b = rows(r, m, d, true);
      List<PairwiseMaskCase> masks = PairwiseMaskCase.all(n, m, r);
      for (PairwiseHardnessCase hc : PairwiseHardnessCase.all(n, m, 9f, r)) {
        for (PairwiseMaskCase mc : List.of(masks.get(0), masks.get(1), masks.get(3))) {
          for (long chunk : new long[] {256L << 20, 4L * m * 7}) {
            gpu.setPairwiseChunkBytes(chunk);
            String what = "n=" + n + " m=" + m + " d=" + d + " mask=" + mc.name() + " hardness=" + hc.name()
                + " rows/chunk=" + gpu.pairwiseChunkRows(n, m);
            checkOne(cpu, what, a, b, n, m, d, 20f, mc, hc, r, 2e-6 * 29, 1e-4);
          }
        }
      }
    }
  }

  private void checkOne(Backend cpu, String what, float[] a, float[] b, int n, int m, int d, float scale, PairwiseMaskCase mc,
      PairwiseHardnessCase hc, Random r, double atol, double rtol) {
    int k = Math.min(n, m);
    // forward, with and without the columns
    float[][] expected = forward(cpu, a, b, n, m, d, scale, mc, hc, true),
        actual = forward(gpu, a, b, n, m, d, scale, mc, hc, true);
    assertClose(what + " rowLse", expected[0], actual[0], atol, rtol);
    assertClose(what + " colLse", expected[1], actual[1], atol, rtol);
    assertClose(what + " diag", expected[2], actual[2], atol, rtol);
    float[][] rowsOnly = forward(gpu, a, b, n, m, d, scale, mc, hc, false);
    assertClose(what + " rowLse without columns", expected[0], rowsOnly[0], atol, rtol);

    // backward with every upstream gradient, then with some absent
    float[] gRow = rows(r, 1, n, false), gCol = rows(r, 1, m, false), gDiag = rows(r, 1, k, false);
    for (int variant = 0; variant < 3; variant++) {
      float[] gr = variant == 2 ? null : gRow, gc = variant == 1 ? null : gCol, gd = variant == 1 ? null : gDiag;
      float[][] e = backward(cpu, a, b, n, m, d, scale, mc, hc, expected, gr, gc, gd);
      float[][] g = backward(gpu, a, b, n, m, d, scale, mc, hc, expected, gr, gc, gd);
      double gAtol = atol * scale / 10;
      assertClose(what + " gA (variant " + variant + ")", e[0], g[0], gAtol, rtol);
      assertClose(what + " gB (variant " + variant + ")", e[1], g[1], gAtol, rtol);
    }

    // rows only with the gradient of Σ rowLse
    float[][] e = rowGradient(cpu, a, b, n, m, d, scale, mc, hc), g = rowGradient(gpu, a, b, n, m, d, scale, mc, hc);
    assertClose(what + " rowLse (with row gradient)", e[0], g[0], atol, rtol);
    assertClose(what + " diag (with row gradient)", e[1], g[1], atol, rtol);
    assertClose(what + " gA of Σ rowLse", e[2], g[2], atol * scale / 10, rtol);
    assertClose(what + " gB of Σ rowLse", e[3], g[3], atol * scale / 10, rtol);
  }

  private static float[][] forward(Backend be, float[] a, float[] b, int n, int m, int d, float scale, PairwiseMaskCase mc,
      PairwiseHardnessCase hc, boolean columns) {
    Storage row = be.allocate(n), col = columns ? be.allocate(m) : null, diag = be.allocate(Math.min(n, m));
    be.pairwiseLogSumExp(be.upload(a), be.upload(b), n, m, d, scale, mc.start(), mc.end(), mc.period(), hc.strength(),
        hc.start(), hc.end(), hc.period(), hc.complement(), row, col, diag);
    return new float[][] {host(be, row, n), columns ? host(be, col, m) : null, host(be, diag, Math.min(n, m))};
  }

  private static float[][] backward(Backend be, float[] a, float[] b, int n, int m, int d, float scale, PairwiseMaskCase mc,
      PairwiseHardnessCase hc, float[][] saved, float[] gRow, float[] gCol, float[] gDiag) {
    Storage gA = be.allocate((long) n * d), gB = be.allocate((long) m * d);
    be.pairwiseLogSumExpBackward(be.upload(a), be.upload(b), n, m, d, scale, mc.start(), mc.end(), mc.period(),
        hc.strength(), hc.start(), hc.end(), hc.period(), hc.complement(), be.upload(saved[0]), be.upload(saved[1]), up(be, gRow), up(be, gCol), up(be, gDiag), gA, gB);
    return new float[][] {host(be, gA, n * d), host(be, gB, m * d)};
  }

  private static float[][] rowGradient(Backend be, float[] a, float[] b, int n, int m, int d, float scale, PairwiseMaskCase mc,
      PairwiseHardnessCase hc) {
    Storage row = be.allocate(n), diag = be.allocate(Math.min(n, m));
    Storage gA = be.allocate((long) n * d), gB = be.allocate((long) m * d);
    be.pairwiseLogSumExpWithRowGradient(be.upload(a), be.upload(b), n, m, d, scale, mc.start(), mc.end(), mc.period(),
        hc.strength(), hc.start(), hc.end(), hc.period(), hc.complement(), row, diag, gA, gB);
    return new float[][] {host(be, row, n), host(be, diag, Math.min(n, m)), host(be, gA, n * d), host(be, gB, m * d)};
  }

  /** MNRL with hard negatives and MNSRL through the public loss classes: loss and embedding gradients. */
  @Test
  void rankingLossesMatchTheCpu() {
    int batch = 45, d = 48;
    for (long chunk : new long[] {256L << 20, 4L * 90 * 10}) {
      if (gpu != null) gpu.setPairwiseChunkBytes(chunk);
      compare("MNRL with one hard negative, chunk " + chunk, 2e-5, 2e-4, dev -> {
        Tensor q = emb(1, dev, batch, d), p = emb(2, dev, batch, d), neg = emb(3, dev, batch, d);
        Tensor loss = new MultipleNegativesRankingLoss().computeLoss(List.of(q, p, neg), null);
        loss.backward();
        return withGrads(List.of(loss), q, p, neg);
      });
      compare("MNRL with one hard negative and in-batch hardness, doc→query joint, chunk " + chunk, 2e-5, 2e-4, dev -> {
        Tensor q = emb(6, dev, batch, d), p = emb(7, dev, batch, d), neg = emb(8, dev, batch, d);
        Tensor loss = new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
            EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY), PartitionMode.JOINT,
            HardnessMode.IN_BATCH_NEGATIVES, 9f).computeLoss(List.of(q, p, neg), null);
        loss.backward();
        return withGrads(List.of(loss), q, p, neg);
      });
      compare("MNSRL, chunk " + chunk, 2e-5, 2e-4, dev -> {
        Tensor q = emb(4, dev, batch, d), p = emb(5, dev, batch, d);
        Tensor loss = new MultipleNegativesSymmetricRankingLoss().computeLoss(List.of(q, p), null);
        loss.backward();
        return withGrads(List.of(loss), q, p);
      });
    }
  }

  private static Tensor emb(long seed, Device dev, int rows, int d) {
    return Tensor.randn(seed, rows, d).to(dev).requiresGrad(true);
  }

  /** B = 4096 with a chunk of 256 rows: the op's scratch is that chunk and the column statistics, not B². */
  @Test
  void scratchIsOneChunk() {
    GpuTestSupport.assumeGpu();
    int n = 4096, m = 4096, d = 64;
    gpu.setPairwiseChunkBytes(4L * m * 256);
    Random r = new Random(5);
    Storage a = gpu.upload(rows(r, n, d, true)), b = gpu.upload(rows(r, m, d, true));
    Storage row = gpu.allocate(n), col = gpu.allocate(m), diag = gpu.allocate(n);
    Storage gA = gpu.allocate((long) n * d), gB = gpu.allocate((long) m * d), g1 = gpu.allocate(n), g2 = gpu.allocate(m);
    gpu.synchronize();
    long before = gpu.memoryStats().bytesInUse();
    gpu.resetPeakMemory();
    gpu.pairwiseLogSumExp(a, b, n, m, d, 20f, null, null, 1, 0f, null, null, 1, false, row, col, diag);
    gpu.pairwiseLogSumExpBackward(a, b, n, m, d, 20f, null, null, 1, 0f, null, null, 1, false, row, col, g1, g2, null, gA,
        gB);
    gpu.synchronize();
    long extra = gpu.memoryStats().peakBytesInUse() - before;
    long chunk = 4L * m * 256, matrix = 4L * n * m;
    assertTrue(extra <= 2 * chunk + 2 * 8L * m + (1 << 20),
        "extra device memory " + extra + " bytes; one chunk is " + chunk + ", the whole matrix " + matrix);
    float[] rl = host(gpu, row, n);
    for (int i = 0; i < n; i++) {
      assertTrue(Float.isFinite(rl[i]), "rowLse[" + i + "] = " + rl[i]);
    }
  }
}
