package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GISTEmbedLossTest {
  private static final int BATCH = 5, DIM = 4, GUIDE_DIM = 3;

  /** Guide embeddings close to each other, so that some candidates are masked as false negatives. */
  private static double[][] guide(int columns, long seed) {
    Random r = new Random(seed);
    double[][] g = new double[columns][BATCH * GUIDE_DIM];
    for (double[] col : g) for (int i = 0; i < col.length; i++) col[i] = (float) (1 + 0.6 * r.nextGaussian());
    return g;
  }

  private static List<Tensor> tensors(double[][] g) {
    List<Tensor> out = new ArrayList<>();
    for (double[] col : g) {
      float[] f = new float[col.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) col[i];
      out.add(Tensor.of(f, BATCH, GUIDE_DIM));
    }
    return out;
  }

  private static void check(String name, int columns, MarginStrategy strategy, float margin, boolean anchors,
      boolean positives) {
    double[][] g = guide(columns, columns * 7L + (long) (margin * 100));
    var loss = new GISTEmbedLoss<Object>(null, 0.05f, strategy, margin, anchors, positives);
    LossGradCheck c = LossGradCheck.of(name).tolerance(3e-3, 1e-3);
    for (int i = 0; i < columns; i++) c.input(11L * i + 3, BATCH, DIM);
    c.check(e -> loss.computeLoss(e, tensors(g)),
        x -> Float64Losses.gist(x, g, BATCH, DIM, GUIDE_DIM, 0.05, strategy, margin, anchors, positives));
  }

  @Test
  void guideMasksFalseNegativesButNeverThePositive() {
    check("pairs, absolute 0", 2, MarginStrategy.ABSOLUTE, 0f, true, true);
    check("triplets, absolute 0.1", 3, MarginStrategy.ABSOLUTE, 0.1f, true, true);
    check("triplets, relative 0.05", 3, MarginStrategy.RELATIVE, 0.05f, false, true);
    check("pairs, no contrasts", 2, MarginStrategy.ABSOLUTE, 0f, false, false);
  }

  @Test
  void theGuideMasksSomethingInThisTest() {
    double[][] g = guide(2, 14);
    int masked = 0;
    double[][] n = {Float64Losses.rows(g[0], BATCH, GUIDE_DIM, true), Float64Losses.rows(g[1], BATCH, GUIDE_DIM, true)};
    for (int i = 0; i < BATCH; i++) {
      for (int j = 0; j < BATCH; j++) {
        if (i != j && Float64Losses.dot(n[0], i, n[1], j, GUIDE_DIM) > Float64Losses.dot(n[0], i, n[1], i, GUIDE_DIM)) masked++;
      }
    }
    assertTrue(masked > 0 && masked < BATCH * (BATCH - 1), "masked " + masked);
  }
}
