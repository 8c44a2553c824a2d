package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.backwardRandom;
import static dev.embed4j.cuda.GpuTestSupport.compare;
import static dev.embed4j.cuda.GpuTestSupport.input;
import static dev.embed4j.cuda.GpuTestSupport.withGrads;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fused flash-style attention kernels against the CPU's materialised reference: output and the
 * gradients of Q, K and V, with and without a key-padding mask, for sequence lengths around the tile
 * sizes (1, 31, 33, 64, 65, 130) and head dims that are and are not multiples of 4, up to the 128 limit.
 */
@ExtendWith(GpuTestSupport.SkippedWithoutGpu.class)
class CudaAttentionTest {

  private static Tensor mask(Device d, int batch, int seqK) {
    float[] m = new float[batch * seqK];
    for (int b = 0; b < batch; b++) {
      int valid = Math.max(1, seqK - 3 * b - b * seqK / 3); // each row keeps at least one key
      for (int j = 0; j < seqK; j++) m[b * seqK + j] = j < valid ? 1f : 0f;
    }
    return Tensor.of(m, batch, seqK).to(d);
  }

  private static void check(int batch, int heads, int seqQ, int seqK, int dim, boolean masked) {
    check(batch, heads, seqQ, seqK, dim, masked, 0f);
  }

  /** With dropout on the probabilities: both backends draw the same mask from the same generator seed. */
  private static void check(int batch, int heads, int seqQ, int seqK, int dim, boolean masked, float dropout) {
    compare("attention b=" + batch + " h=" + heads + " sq=" + seqQ + " sk=" + seqK + " d=" + dim + " mask=" + masked
        + " dropout=" + dropout, 1e-4, 1e-3, d -> {
          Tensor q = input(1, d, batch, heads, seqQ, dim), k = input(2, d, batch, heads, seqK, dim);
          Tensor v = input(3, d, batch, heads, seqK, dim);
          Tensor m = masked ? mask(d, batch, seqK) : null;
          Tensor y = dropout > 0f ? Functional.attention(q, k, v, m, dropout, new Generator(99))
              : Functional.attention(q, k, v, m);
          backwardRandom(y, 4);
          return withGrads(List.of(y), q, k, v);
        });
  }

  @Test
  void smallAndTileEdgeSizes() {
    check(1, 1, 1, 1, 8, false);
    check(2, 3, 17, 33, 8, true);
    check(2, 2, 31, 65, 32, true);
    check(1, 2, 64, 64, 32, false);
    check(3, 1, 65, 130, 32, true);
  }

  @Test
  void headDims() {
    for (int dim : new int[] {1, 5, 63, 64, 100, 128}) check(2, 2, 33, 47, dim, true);
  }

  @Test
  void dropoutOnTheProbabilities() {
    check(2, 3, 17, 33, 8, true, 0.1f);
    check(3, 2, 65, 130, 32, true, 0.5f);
    check(4, 12, 128, 128, 32, true, 0.1f);
  }

  @Test
  void bertShapedBatch() {
    check(4, 12, 128, 128, 32, true);
  }
}
