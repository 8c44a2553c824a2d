package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attention from a fused Q|K|V projection against the same function built from the split heads and the
 * attention op (what backends without the fused kernel run): the same output and qkv gradient bit for bit,
 * dropout and padding included; and its gradient against float64 central differences.
 */
class QkvAttentionTest {
  @ParameterizedTest(name = "[{0},{1},{2},{3}] dropout {4}")
  @CsvSource({"1, 1, 1, 1, 0", "2, 3, 9, 4, 0", "2, 2, 37, 8, 0.1", "3, 4, 5, 3, 0.5"})
  void fusedEqualsSplitHeadsBitForBit(int batch, int heads, int seq, int dim, float dropout) {
    Random rnd = new Random(97L * seq + heads);
    float[] x = new float[batch * seq * 3 * heads * dim], w = new float[batch * seq * heads * dim];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
    float[] mask = new float[batch * seq];
    for (int b = 0; b < batch; b++) {
      int valid = b == 0 ? seq : 1 + rnd.nextInt(seq);
      for (int i = 0; i < valid; i++) mask[b * seq + i] = 1f;
    }
    float scale = (float) (1 / Math.sqrt(dim));
    float[][] outs = new float[2][], grads = new float[2][];
    for (int fused = 0; fused < 2; fused++) {
      Tensor qkv = Tensor.of(x, batch, seq, 3 * heads * dim).requiresGrad(true);
      Tensor m = Tensor.of(mask, batch, seq);
      Generator g = dropout > 0f ? new Generator(5) : null;
      Tensor out = fused == 1 ? QkvAttention.apply(qkv, heads, m, scale, dropout, g)
          : QkvAttention.split(qkv, heads, m, scale, dropout, g);
      assertArrayEquals(new int[] {batch, seq, heads * dim}, out.shape());
      out.mul(Tensor.of(w, out.shape())).sum().backward();
      outs[fused] = out.toFloatArray();
      grads[fused] = qkv.grad().toFloatArray();
    }
    assertArrayEquals(outs[0], outs[1], "output");
    assertArrayEquals(grads[0], grads[1], "gradient of qkv");
    boolean moved = false;
    for (float v : grads[1]) moved |= v != 0f;
    assertTrue(moved, "the gradient is all zeros");
  }

  @Test
  void gradientMatchesCentralDifferences() {
    int batch = 2, heads = 2, seq = 3, dim = 2, width = heads * dim;
    float[] mask = {1, 1, 1, 1, 1, 0};
    GradCheck.of("qkvAttention").input(21, -1f, 1f, batch, seq, 3 * width).check(
        in -> Functional.qkvAttention(in.get(0), heads, Tensor.of(mask, batch, seq), 0f, null),
        x -> {
          double[] qkv = x[0], out = new double[batch * seq * width];
          double scale = 1 / Math.sqrt(dim);
          for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
              for (int i = 0; i < seq; i++) {
                double[] p = new double[seq];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < seq; j++) {
                  if (mask[b * seq + j] == 0f) {
                    p[j] = Double.NEGATIVE_INFINITY;
                    continue;
                  }
                  double s = 0;
                  for (int d = 0; d < dim; d++) {
                    s += qkv[(b * seq + i) * 3 * width + h * dim + d] * qkv[(b * seq + j) * 3 * width + width + h * dim + d];
                  }
                  p[j] = s * scale;
                  max = Math.max(max, p[j]);
                }
                for (int j = 0; j < seq; j++) sum += p[j] = Math.exp(p[j] - max);
                for (int d = 0; d < dim; d++) {
                  double o = 0;
                  for (int j = 0; j < seq; j++) o += p[j] / sum * qkv[(b * seq + j) * 3 * width + 2 * width + h * dim + d];
                  out[(b * seq + i) * width + h * dim + d] = o;
                }
              }
            }
          }
          return out;
        });
  }

  @Test
  void badShapesNameTheOpAndTheShape() {
    Tensor qkv = Tensor.of(new float[2 * 3 * 10], 2, 3, 10);
    ShapeException e = assertThrows(ShapeException.class, () -> Functional.qkvAttention(qkv, 2, null, 0f, null));
    assertTrue(e.getMessage().contains("qkvAttention") && e.getMessage().contains("[2, 3, 10]"), e.getMessage());
    Tensor ok = Tensor.of(new float[2 * 3 * 12], 2, 3, 12);
    e = assertThrows(ShapeException.class, () -> Functional.qkvAttention(ok, 2, Tensor.of(new float[3], 1, 3), 0f, null));
    assertTrue(e.getMessage().contains("key mask"), e.getMessage());
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
        () -> Functional.qkvAttention(ok, 2, null, 0.1f, null));
    assertTrue(d.getMessage().contains("Generator"), d.getMessage());
  }
}
