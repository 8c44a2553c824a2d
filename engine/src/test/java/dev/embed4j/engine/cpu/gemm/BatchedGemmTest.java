package dev.embed4j.engine.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.cpu.CpuBackend;
import dev.embed4j.engine.cpu.CpuStorage;
import dev.embed4j.engine.cpu.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CpuBackend's batched GEMM (both ways of spreading it over threads) against ReferenceGemm per problem. */
class BatchedGemmTest {
  private static void check(int batch, int m, int n, int k, boolean shareB) {
    Random rnd = new Random(batch * 31L + m);
    int lda = k, ldb = n, ldc = n;
    long strideA = (long) m * k + 3, strideB = shareB ? 0 : (long) k * n + 1, strideC = (long) m * n + 2;
    float[] a = new float[(int) (strideA * batch)], b = new float[(int) (shareB ? k * n : strideB * batch)];
    float[] c = new float[(int) (strideC * batch)];
    for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
    for (int i = 0; i < c.length; i++) c[i] = rnd.nextFloat();
    float[] expected = c.clone();
    ReferenceGemm ref = new ReferenceGemm();
    for (int i = 0; i < batch; i++) {
      ref.gemm(false, true, m, n, k, 0.5f, a, (int) (i * strideA), lda, b, (int) (i * strideB), k, 1f, expected,
          (int) (i * strideC), ldc);
    }
    CpuBackend.INSTANCE.gemm(batch, false, true, m, n, k, 0.5f, new CpuStorage(a), 0, lda, strideA,
        new CpuStorage(b), 0, k, strideB, 1f, new CpuStorage(c), 0, ldc, strideC);
    for (int i = 0; i < c.length; i++) {
      assertEquals(expected[i], c[i], 1e-4 * k, "element " + i + " of batch " + batch + " " + m + "x" + n + "x" + k);
    }
  }

  @Test
  void smallAndLargeBatches() {
    int before = Parallel.threads();
    Parallel.setThreads(2);
    try {
      check(12, 33, 17, 8, false); // many small problems: spread over threads
      check(3, 17, 33, 1, true);
      check(3, 200, 160, 150, false); // few big problems: one after another, each on all threads
      check(1, 7, 5, 3, false);
    } finally {
      Parallel.setThreads(before);
    }
  }
}
