package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.GPU;
import static dev.embed4j.cuda.GpuTestSupport.backwardRandom;
import static dev.embed4j.cuda.GpuTestSupport.compare;
import static dev.embed4j.cuda.GpuTestSupport.input;
import static dev.embed4j.cuda.GpuTestSupport.positive;
import static dev.embed4j.cuda.GpuTestSupport.withGrads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every element-wise, reduction, normalisation, indexing and loss op on cuda:0 against the CPU backend,
 * values and gradients, on awkward sizes (1, odd, non-multiples of 32). Needs a CUDA device.
 */
@ExtendWith(GpuTestSupport.SkippedWithoutGpu.class)
class CudaOpsTest {
  private static final double ATOL = 2e-5, RTOL = 2e-4;

  @Test
  void uploadDownloadAndZeros() {
    GpuTestSupport.assumeGpu();
    Random r = new Random(1);
    for (int n : new int[] {0, 1, 31, 1000, (4 << 20) + 3}) { // the last one crosses the staging buffer
      float[] x = new float[n];
      for (int i = 0; i < n; i++) x[i] = r.nextFloat();
      Tensor t = Tensor.of(x, n).to(GPU);
      assertArrayEquals(x, t.toFloatArray(), "round trip of " + n);
      assertArrayEquals(new float[n], Tensor.zeros(GPU, n).toFloatArray(), "zeros of " + n);
      t.close();
    }
    Tensor m = Tensor.randn(2, 5, 7).to(GPU);
    assertEquals(Tensor.randn(2, 5, 7).get(3, 4), m.get(3, 4));
  }

  @Test
  void fillAndSumOfSquares() {
    GpuTestSupport.assumeGpu();
    CudaBackend b = CudaBackendProvider.backend(0);
    var s = b.allocate(1001);
    b.fill(s, 3, 997, 2.5f);
    float[] h = new float[1001];
    b.download(s, 0, h, 0, 1001);
    for (int i = 0; i < 1001; i++) assertEquals(i >= 3 && i < 1000 ? 2.5f : 0f, h[i], "element " + i);
    for (int n : new int[] {1, 257, 300_001}) {
      float[] x = Tensor.randn(n, n).toFloatArray();
      var d = b.upload(x);
      double expected = dev.embed4j.engine.backend.Backends.cpu().sumOfSquares(
          dev.embed4j.engine.backend.Backends.cpu().upload(x), 0, n);
      assertEquals(expected, b.sumOfSquares(d, 0, n), 1e-9 * expected, "sum of squares of " + n);
      assertEquals(expected - (double) x[0] * x[0], b.sumOfSquares(d, 1, n - 1), 1e-9 * expected + 1e-12);
    }
  }

  /** Several ranges in one call (a global gradient norm) against the CPU, zero-length ranges included. */
  @Test
  void sumOfSquaresOfSeveralRanges() {
    GpuTestSupport.assumeGpu();
    CudaBackend b = CudaBackendProvider.backend(0);
    var cpu = dev.embed4j.engine.backend.Backends.cpu();
    int[] sizes = {1, 0, 300_001, 384, 1536 * 384};
    var xs = new dev.embed4j.engine.backend.Storage[sizes.length];
    var hs = new dev.embed4j.engine.backend.Storage[sizes.length];
    int[] offsets = {0, 2, 7, 1, 0};
    for (int i = 0; i < sizes.length; i++) {
      float[] x = Tensor.randn(20 + i, offsets[i] + sizes[i] + 1).toFloatArray();
      xs[i] = b.upload(x);
      hs[i] = cpu.upload(x);
    }
    double want = cpu.sumOfSquares(hs, offsets, sizes), got = b.sumOfSquares(xs, offsets, sizes);
    assertEquals(want, got, 1e-6 * want);
    assertEquals(0.0, b.sumOfSquares(new dev.embed4j.engine.backend.Storage[0], new int[0], new int[0]));
  }

  @Test
  void unaryOpsAndTheirGradients() {
    int[] shape = {3, 37};
    compare("exp", ATOL, RTOL, d -> run(input(1, d, shape), Tensor::exp));
    compare("log", ATOL, RTOL, d -> run(positive(2, d, 0.2f, 3f, shape), Tensor::log));
    compare("sqrt", ATOL, RTOL, d -> run(positive(3, d, 0.2f, 3f, shape), Tensor::sqrt));
    compare("neg", ATOL, RTOL, d -> run(input(4, d, shape), Tensor::neg));
    compare("tanh", ATOL, RTOL, d -> run(input(5, d, shape), Tensor::tanh));
    compare("gelu", ATOL, RTOL, d -> run(input(6, d, shape), Tensor::gelu));
    compare("pow 2.5", ATOL, RTOL, d -> run(positive(7, d, 0.2f, 3f, shape), x -> x.pow(2.5f)));
    compare("pow 3", ATOL, RTOL, d -> run(input(8, d, shape), x -> x.pow(3f)));
    compare("scale", ATOL, RTOL, d -> run(input(9, d, shape), x -> x.mul(-1.75f)));
    compare("add scalar", ATOL, RTOL, d -> run(input(10, d, shape), x -> x.add(0.5f)));
    compare("relu", ATOL, RTOL, d -> run(input(11, d, shape), Tensor::relu));
    compare("gelu of 1", ATOL, RTOL, d -> run(input(12, d, 1), Tensor::gelu));
  }

  private static List<Tensor> run(Tensor x, java.util.function.UnaryOperator<Tensor> f) {
    Tensor y = f.apply(x);
    backwardRandom(y, 99);
    return withGrads(List.of(y), x);
  }

  @Test
  void broadcastBinaryOpsAndTheirGradients() {
    compare("add broadcast", ATOL, RTOL, d -> {
      Tensor a = input(1, d, 3, 1, 5), b = input(2, d, 4, 1);
      Tensor y = a.add(b);
      backwardRandom(y, 3);
      return withGrads(List.of(y), a, b);
    });
    compare("sub, mul, div", ATOL, RTOL, d -> {
      Tensor a = input(4, d, 2, 33), b = input(5, d, 33), c = positive(6, d, 0.5f, 2f, 2, 1);
      Tensor y = a.sub(b).mul(a).div(c);
      backwardRandom(y, 7);
      return withGrads(List.of(y), a, b, c);
    });
    compare("mul of transposed views", ATOL, RTOL, d -> {
      Tensor a = input(8, d, 6, 7), b = input(9, d, 7, 6);
      Tensor y = a.mul(b.t());
      backwardRandom(y, 10);
      return withGrads(List.of(y), a, b);
    });
    compare("maskedFill", ATOL, RTOL, d -> {
      Tensor a = input(11, d, 4, 9);
      Tensor mask = Tensor.of(new float[] {1, 0, 0, 1, 0, 1, 0, 0, 1}, 9).to(d);
      Tensor y = a.maskedFill(mask, -3f);
      backwardRandom(y, 12);
      return withGrads(List.of(y), a);
    });
  }

  @Test
  void stridedCopiesOfEveryRank() {
    compare("permute", ATOL, RTOL, d -> {
      Tensor a = input(1, d, 3, 4, 5);
      Tensor y = a.permute(2, 0, 1).contiguous();
      backwardRandom(y, 2);
      return withGrads(List.of(y), a);
    });
    compare("slice and concat", ATOL, RTOL, d -> {
      Tensor a = input(3, d, 5, 6), b = input(4, d, 5, 2);
      Tensor y = Tensor.concat(List.of(a.slice(1, 1, 4), b, a.slice(1, 0, 1)), 1);
      backwardRandom(y, 5);
      return withGrads(List.of(y), a, b);
    });
    compare("expand", ATOL, RTOL, d -> {
      Tensor a = input(6, d, 1, 7);
      Tensor y = a.expand(3, 7).contiguous();
      backwardRandom(y, 7);
      return withGrads(List.of(y), a);
    });
    // rank 9 with every axis reversed: nothing merges, so the host loops over the outer axis
    compare("rank 9 permute", 0, 0, d -> {
      Tensor a = Tensor.randn(8, 2, 3, 2, 2, 3, 2, 2, 2, 3).to(d);
      return List.of(a.permute(8, 7, 6, 5, 4, 3, 2, 1, 0).contiguous());
    });
  }

  @Test
  void sumsAndMeans() {
    compare("sum all (long row)", 1e-3, 1e-4, d -> {
      Tensor a = input(1, d, 100_003);
      Tensor y = a.sum();
      y.backward();
      return withGrads(List.of(y), a);
    });
    compare("sum axes", ATOL, RTOL, d -> {
      Tensor a = input(2, d, 7, 33, 5);
      Tensor y = a.sum(new int[] {0, 2}, true).add(a.sum(1, true).sum(2, true).sum(0, true));
      backwardRandom(y, 3);
      return withGrads(List.of(y, a.mean(1, false)), a);
    });
    compare("sum of few long rows", 1e-3, 1e-4, d -> List.of(Tensor.randn(4, 3, 20_001).to(d).sum(1, false)));
  }

  @Test
  void softmaxAndLogSoftmax() {
    for (int cols : new int[] {1, 7, 33, 1000}) {
      compare("softmax " + cols, ATOL, RTOL, d -> {
        Tensor a = input(cols, d, 5, cols);
        Tensor y = a.mul(3f).softmax();
        backwardRandom(y, 1);
        return withGrads(List.of(y), a);
      });
      compare("logSoftmax " + cols, ATOL, RTOL, d -> {
        Tensor a = input(cols + 1, d, 3, cols);
        Tensor y = a.mul(3f).logSoftmax();
        backwardRandom(y, 2);
        return withGrads(List.of(y), a);
      });
    }
  }

  @Test
  void layerNormForwardAndBackward() {
    int[][] shapes = {{1, 1}, {5, 3}, {37, 384}, {2, 3, 1000}};
    for (int[] s : shapes) {
      int cols = s[s.length - 1];
      compare("layerNorm " + java.util.Arrays.toString(s), 1e-4, 1e-3, d -> {
        Tensor x = input(1, d, s), g = input(2, d, cols), b = input(3, d, cols);
        Tensor y = Functional.layerNorm(x.mul(2f).add(1f), g, b, 1e-5f);
        backwardRandom(y, 4);
        return withGrads(List.of(y), x, g, b);
      });
    }
  }

  @Test
  void embeddingGatherAndScatterAdd() {
    int[] ids = {3, 0, 3, 9, 1, 3, 0};
    compare("embedding", ATOL, RTOL, d -> {
      Tensor table = input(1, d, 10, 33);
      Tensor y = Functional.embedding(table, ids, 7);
      backwardRandom(y, 2);
      return withGrads(List.of(y), table);
    });
  }

  @Test
  void dropoutMasksEqualTheCpusBitForBit() {
    GpuTestSupport.assumeGpu();
    for (float p : new float[] {0.1f, 0.5f, 0.9f}) {
      Tensor[] out = new Tensor[4];
      int i = 0;
      for (Device d : new Device[] {Device.CPU, GPU}) {
        Tensor x = input(5, d, 7, 301);
        Tensor y = Functional.dropout(x, p, new Generator(42));
        backwardRandom(y, 6);
        out[i++] = y;
        out[i++] = x.grad();
      }
      assertArrayEquals(out[0].toFloatArray(), out[2].toFloatArray(), "dropout p=" + p + " values");
      assertArrayEquals(out[1].toFloatArray(), out[3].toFloatArray(), "dropout p=" + p + " gradient");
    }
  }

  @Test
  void crossEntropy() {
    int[] targets = {0, 6, 3, 3, 1};
    compare("crossEntropy", ATOL, RTOL, d -> {
      Tensor x = input(1, d, 5, 7);
      Tensor y = x.mul(2f).crossEntropy(targets);
      y.backward();
      return withGrads(List.of(y), x);
    });
    int[] many = new int[64];
    for (int i = 0; i < many.length; i++) many[i] = (i * 37) % 1000;
    compare("crossEntropy 1000 classes", ATOL, RTOL, d -> {
      Tensor x = input(2, d, 64, 1000);
      Tensor y = x.crossEntropy(many);
      y.backward();
      return withGrads(List.of(y), x);
    });
  }

  @Test
  void l2NormalizeComposite() {
    compare("l2Normalize", ATOL, RTOL, d -> {
      Tensor x = input(1, d, 6, 384);
      Tensor y = x.l2Normalize();
      backwardRandom(y, 2);
      return withGrads(List.of(y), x);
    });
  }

  @Test
  void optimiserUpdates() {
    GpuTestSupport.assumeGpu();
    var cpu = dev.embed4j.engine.backend.Backends.cpu();
    CudaBackend gpu = CudaBackendProvider.backend(0);
    int n = 1003;
    float[] p0 = Tensor.randn(1, n).toFloatArray(), g0 = Tensor.randn(2, n).toFloatArray();
    var pc = cpu.upload(p0.clone());
    var mc = cpu.allocate(n);
    var vc = cpu.allocate(n);
    var gc = cpu.upload(g0.clone());
    var pg = gpu.upload(p0);
    var mg = gpu.allocate(n);
    var vg = gpu.allocate(n);
    var gg = gpu.upload(g0);
    for (int step = 1; step <= 3; step++) {
      cpu.adamW(pc, gc, mc, vc, n, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
      gpu.adamW(pg, gg, mg, vg, n, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
    }
    GpuTestSupport.assertClose("adamW params", host(cpu, pc, n), host(gpu, pg, n), 1e-6, 1e-5);
    GpuTestSupport.assertClose("adamW m", host(cpu, mc, n), host(gpu, mg, n), 1e-6, 1e-5);
    GpuTestSupport.assertClose("adamW v", host(cpu, vc, n), host(gpu, vg, n), 1e-6, 1e-5);
    var bc = cpu.allocate(n);
    var bg = gpu.allocate(n);
    for (int step = 0; step < 3; step++) {
      cpu.sgd(pc, gc, bc, n, 0.1f, 0.9f, 1e-3f, step == 0);
      gpu.sgd(pg, gg, bg, n, 0.1f, 0.9f, 1e-3f, step == 0);
    }
    cpu.sgd(pc, gc, null, n, 0.1f, 0f, 0f, false);
    gpu.sgd(pg, gg, null, n, 0.1f, 0f, 0f, false);
    GpuTestSupport.assertClose("sgd params", host(cpu, pc, n), host(gpu, pg, n), 1e-5, 1e-5);
    GpuTestSupport.assertClose("sgd momentum", host(cpu, bc, n), host(gpu, bg, n), 1e-5, 1e-5);
  }

  private static float[] host(dev.embed4j.engine.backend.Backend b, dev.embed4j.engine.backend.Storage s, int n) {
    float[] h = new float[n];
    b.download(s, 0, h, 0, n);
    return h;
  }

  @Test
  void theAllocatorReusesFreedBlocks() {
    GpuTestSupport.assumeGpu();
    CudaBackend b = CudaBackendProvider.backend(0);
    b.synchronize();
    Tensor warm = Tensor.zeros(GPU, 12_345);
    warm.close();
    DeviceMemoryStats before = b.memoryStats();
    Tensor t = Tensor.zeros(GPU, 12_345);
    DeviceMemoryStats during = b.memoryStats();
    // (the cleaner thread may free other storages meanwhile, so in-use bytes are bounded, not equal)
    assertEquals(before.cudaMallocCalls(), during.cudaMallocCalls(), "a freed block of the same class is reused");
    long block = CachingAllocator.sizeClass(4 * 12_345);
    org.junit.jupiter.api.Assertions.assertTrue(during.bytesInUse() <= before.bytesInUse() + block);
    t.close();
    org.junit.jupiter.api.Assertions.assertTrue(b.memoryStats().bytesInUse() <= during.bytesInUse() - block);
    org.junit.jupiter.api.Assertions.assertTrue(b.memoryStats().peakBytesInUse() >= during.bytesInUse());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, t::toFloatArray);
  }
}
