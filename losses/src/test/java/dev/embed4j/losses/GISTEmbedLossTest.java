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

  /**
   * sentence-transformers #3819: with a negative guide positive g⁺ = −0.5 and a relative margin of 0.05 the
   * threshold is −0.5 − 0.5·0.05 = −0.525, so a candidate at −0.49 (closer than the positive) is masked;
   * the old g⁺·(1 − margin) = −0.475 kept it. Guide (3-d): a₀ = (1, 0, 0), p₀ = (−0.5, 0, √0.75),
   * p₁ = (−0.49, √(1 − 0.49²), 0), a₁ = (0, 1, 0): row 0 masks p₁ (−0.49 &gt; −0.525), row 1 keeps p₀
   * (g = 0 ≤ 0.8717 − 0.8717·0.05). Model: a₀ = p₀ = (1, 0), a₁ = p₁ = (0, 1), temperature 0.5, so the
   * logits are 2 on the positive and 0 on the other. Row 0 has nothing but its positive: 0; row 1 is
   * log(1 + e⁻²); the loss is their mean, log(1 + e⁻²)/2 = 0.0634640 (the old threshold gave twice that).
   */
  @Test
  void relativeMarginStaysBelowANegativePositive() {
    double p1y = Math.sqrt(1 - 0.49 * 0.49);
    List<Tensor> guide = List.of(Tensor.of(new float[] {1, 0, 0, 0, 1, 0}, 2, 3),
        Tensor.of(new float[] {-0.5f, 0, (float) Math.sqrt(0.75), -0.49f, (float) p1y, 0}, 2, 3));
    List<Tensor> model = List.of(Tensor.of(new float[] {1, 0, 0, 1}, 2, 2), Tensor.of(new float[] {1, 0, 0, 1}, 2, 2));
    var loss = new GISTEmbedLoss<Object>(null, 0.5f, MarginStrategy.RELATIVE, 0.05f, false, false);
    double expected = Math.log1p(Math.exp(-2)) / 2;
    float got = loss.computeLoss(model, guide).item();
    assertTrue(Math.abs(got - expected) < 1e-6, "relative margin with g⁺ = −0.5: loss " + got + ", want " + expected
        + " (p₁ masked for row 0; " + 2 * expected + " would mean the threshold −0.475 of g⁺·(1 − margin))");
    // Cross-check: the absolute margin that puts row 0's threshold at the same −0.525 masks the same.
    var absolute = new GISTEmbedLoss<Object>(null, 0.5f, MarginStrategy.ABSOLUTE, 0.025f, false, false);
    assertTrue(Math.abs(absolute.computeLoss(model, guide).item() - expected) < 1e-6,
        "an absolute margin of 0.025 gives the same threshold −0.525 for row 0");
  }
}
