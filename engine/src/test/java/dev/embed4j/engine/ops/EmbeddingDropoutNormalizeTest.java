package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Tensor;
import org.junit.jupiter.api.Test;

class EmbeddingDropoutNormalizeTest {
  @Test
  void embeddingGathersRowsAndScatterAddsRepeatedIds() {
    int[] ids = {2, 0, 2, 4, 2, 1};
    GradCheck.of("embedding").input(1, -1, 1, 5, 3)
        .check(in -> Functional.embedding(in.get(0), ids, 2, 3), x -> {
          double[] r = new double[ids.length * 3];
          for (int i = 0; i < ids.length; i++) System.arraycopy(x[0], ids[i] * 3, r, i * 3, 3);
          return r;
        });
    var e = assertThrows(IndexOutOfBoundsException.class, () -> Functional.embedding(Tensor.zeros(5, 3), new int[] {5}, 1));
    assertTrue(e.getMessage().contains("id 5"), e.getMessage());
  }

  @Test
  void dropoutIsSeededScaledAndItsBackwardUsesTheSameMask() {
    Tensor x = Tensor.ones(10000).requiresGrad(true);
    Generator g = new Generator(42);
    Tensor y = Functional.dropout(x, 0.25f, g);
    float[] yv = y.toFloatArray();
    int kept = 0;
    for (float v : yv) {
      assertTrue(v == 0f || Math.abs(v - 1f / 0.75f) < 1e-6f);
      if (v != 0f) kept++;
    }
    assertEquals(0.75, kept / 10000.0, 0.02);
    y.sum().backward();
    assertArrayEquals(yv, x.grad().toFloatArray(), 0f); // d/dx of Σ dropout(x) is the scaled mask itself
    // replaying the generator's state replays the mask
    Generator replay = new Generator(42);
    assertArrayEquals(yv, Functional.dropout(Tensor.ones(10000), 0.25f, replay).toFloatArray(), 0f);
    assertTrue(!java.util.Arrays.equals(yv, Functional.dropout(Tensor.ones(10000), 0.25f, replay).toFloatArray()));
  }

  @Test
  void l2NormalizeMatchesTorchNormalize() {
    GradCheck.of("l2Normalize").input(1, -2, 2, 4, 6).check(in -> in.get(0).l2Normalize(), x -> {
      double[] r = new double[24];
      for (int row = 0; row < 4; row++) {
        double n = 0;
        for (int c = 0; c < 6; c++) n += x[0][row * 6 + c] * x[0][row * 6 + c];
        n = Math.max(Math.sqrt(n), 1e-12);
        for (int c = 0; c < 6; c++) r[row * 6 + c] = x[0][row * 6 + c] / n;
      }
      return r;
    });
    float[] zeroRow = Tensor.zeros(1, 3).l2Normalize().toFloatArray();
    assertArrayEquals(new float[] {0f, 0f, 0f}, zeroRow, 0f);
  }
}
