package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.GPU;
import static dev.embed4j.cuda.GpuTestSupport.backwardRandom;
import static dev.embed4j.cuda.GpuTestSupport.compare;
import static dev.embed4j.cuda.GpuTestSupport.input;
import static dev.embed4j.cuda.GpuTestSupport.withGrads;

import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cuBLAS GEMM through MatMul on cuda:0 against the CPU: every transpose combination (transposed views
 * reach the backend as flags), batched and broadcast batches, sizes of 1, and the gradients (which use
 * the transposed forms). FP32 must match to float rounding; TF32 to about 1e-3.
 */
@ExtendWith(GpuTestSupport.SkippedWithoutGpu.class)
class CudaMatmulTest {
  private static final double ATOL = 1e-4, RTOL = 1e-4;

  @Test
  void everyTransposeCombinationAndGradients() {
    int[][] sizes = {{1, 1, 1}, {1, 9, 5}, {7, 1, 65}, {33, 31, 1}, {17, 9, 33}};
    for (int[] s : sizes) {
      int m = s[0], n = s[1], k = s[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          compare("matmul m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb, ATOL, RTOL, d -> {
            Tensor a = ta ? input(1, d, k, m) : input(1, d, m, k);
            Tensor b = tb ? input(2, d, n, k) : input(2, d, k, n);
            Tensor y = (ta ? a.t() : a).matmul(tb ? b.t() : b);
            backwardRandom(y, 3);
            return withGrads(List.of(y), a, b);
          });
        }
      }
    }
  }

  @Test
  void batchedAndBroadcastBatches() {
    compare("batched", ATOL, RTOL, d -> {
      Tensor a = input(1, d, 3, 5, 7), b = input(2, d, 3, 7, 4);
      Tensor y = a.matmul(b);
      backwardRandom(y, 3);
      return withGrads(List.of(y), a, b);
    });
    compare("broadcast weight (one tall GEMM)", ATOL, RTOL, d -> {
      Tensor a = input(4, d, 2, 3, 5, 33), w = input(5, d, 33, 17);
      Tensor y = a.matmul(w);
      backwardRandom(y, 6);
      return withGrads(List.of(y), a, w);
    });
    compare("broadcast left operand", ATOL, RTOL, d -> {
      Tensor a = input(7, d, 5, 6), b = input(8, d, 4, 6, 3);
      Tensor y = a.matmul(b);
      backwardRandom(y, 9);
      return withGrads(List.of(y), a, b);
    });
    compare("attention-shaped batched transposes", ATOL, RTOL, d -> {
      Tensor q = input(10, d, 2, 3, 17, 8), k = input(11, d, 2, 3, 19, 8);
      Tensor y = q.matmul(k.transpose(-2, -1));
      backwardRandom(y, 12);
      return withGrads(List.of(y), q, k);
    });
  }

  @Test
  void reducedPrecisionsAreCloseAndFp32IsRestored() {
    GpuTestSupport.assumeGpu();
    CudaBackend b = CudaBackendProvider.backend(0);
    try {
      b.setMatmulPrecision(MatmulPrecision.TF32);
      compare("tf32 256x384x200", 2e-2, 2e-2, d -> List.of(
          Tensor.uniform(1, -1, 1, 256, 384).to(d).matmul(Tensor.uniform(2, -1, 1, 384, 200).to(d))));
    } finally {
      b.setMatmulPrecision(MatmulPrecision.FP32);
    }
    try {
      b.setMatmulPrecision(MatmulPrecision.BF16);
      compare("bf16 256x384x200, one and batched", 2e-1, 3e-2, d -> List.of(
          Tensor.uniform(1, -1, 1, 256, 384).to(d).matmul(Tensor.uniform(2, -1, 1, 384, 200).to(d)),
          Tensor.uniform(3, -1, 1, 3, 40, 64).to(d).matmul(Tensor.uniform(4, -1, 1, 3, 64, 50).to(d))));
    } finally {
      b.setMatmulPrecision(MatmulPrecision.FP32);
    }
    compare("fp32 256x384x200", ATOL, RTOL, d -> List.of(
        Tensor.uniform(1, -1, 1, 256, 384).to(d).matmul(Tensor.uniform(2, -1, 1, 384, 200).to(d))));
    org.junit.jupiter.api.Assertions.assertEquals(MatmulPrecision.FP32, b.matmulPrecision());
    org.junit.jupiter.api.Assertions.assertEquals(GPU, b.device());
  }
}
