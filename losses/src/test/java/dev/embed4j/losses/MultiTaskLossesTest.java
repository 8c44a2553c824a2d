package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TripletLoss, MarginMSELoss and AnglELoss: defaults, hand-worked values, float64 gradients. */
class MultiTaskLossesTest {
  private static Tensor rows(int dim, float... v) {
    return Tensor.of(v, v.length / dim, dim);
  }

  // ---- TripletLoss -------------------------------------------------------------------------------

  @Test
  void tripletDefaultsAreEuclideanWithMargin5() {
    var loss = new TripletLoss();
    assertTrue(loss.metric() == TripletLoss.DistanceMetric.EUCLIDEAN && loss.margin() == 5f);
  }

  /**
   * Row 0: a = (0, 0), p = (3, 4), n = (0, 1): 5 − 1 + 5 = 9. Row 1: a = p = (1, 1), n = (1, −5):
   * 0 − 6 + 5 &lt; 0, so 0. Mean 4.5 (ε = 1e-6 in the distances moves it by 2e-7).
   */
  @Test
  void tripletByHand() {
    var in = List.of(rows(2, 0, 0, 1, 1), rows(2, 3, 4, 1, 1), rows(2, 0, 1, 1, -5));
    assertEquals(4.5, new TripletLoss().computeLoss(in).item(), 1e-5);
    // Manhattan: row 0 7 − 1 + 5 = 11, row 1 0 − 6 + 5 → 0; mean 5.5
    assertEquals(5.5, new TripletLoss(TripletLoss.DistanceMetric.MANHATTAN, 5f).computeLoss(in).item(), 1e-5);
    // Cosine, margin 0.5: row 0 cos(a, ·) of a zero anchor is 0 on both sides: 1 − 1 + 0.5; row 1 cos(a, p) = 1,
    // cos(a, n) = (1 − 5)/(√2·√26) = −0.5547: 0 − 1.5547 + 0.5 → 0; mean 0.25
    assertEquals(0.25, new TripletLoss(TripletLoss.DistanceMetric.COSINE, 0.5f).computeLoss(in).item(), 1e-5);
  }

  @Test
  void tripletGradientsAgainstFloat64() {
    for (var metric : TripletLoss.DistanceMetric.values()) {
      // cosine distances live in [0, 2]: a margin of 0.5 keeps some rows active and some not
      float margin = metric == TripletLoss.DistanceMetric.COSINE ? 0.5f : 1.5f;
      var loss = new TripletLoss(metric, margin);
      LossGradCheck.of("triplet " + metric).input(41, 6, 5).input(42, 6, 5).input(43, 6, 5)
          .check(loss::computeLoss, x -> Float64Losses.triplet(x, 6, 5, metric, margin));
    }
  }

  @Test
  void tripletNeedsThreeColumns() {
    var e = assertThrows(IllegalArgumentException.class, () -> new TripletLoss().computeLoss(
        List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 3))));
    assertTrue(e.getMessage().contains("expected 3 embedding columns, got 2"), e.getMessage());
  }

  // ---- MarginMSELoss -----------------------------------------------------------------------------

  /**
   * Dot products: row 0 q = (1, 2), p = (3, 0), n = (0, 1): 3 − 2 = 1 against a teacher margin 0.5, error²
   * 0.25; row 1 q = (1, 1), p = (1, 1), n = (2, 2): 2 − 4 = −2 against −1, error² 1. Mean 0.625.
   */
  @Test
  void marginMseByHand() {
    var loss = new MarginMSELoss();
    assertTrue(loss.similarity() == SimilarityFunction.DOT, "dot product by default, as sentence-transformers");
    var in = List.of(rows(2, 1, 2, 1, 1), rows(2, 3, 0, 1, 1), rows(2, 0, 1, 2, 2));
    assertEquals(0.625, loss.computeLoss(in, new float[] {0.5f, -1f}).item(), 1e-6);
  }

  @Test
  void marginMseGradientsAgainstFloat64() {
    float[] one = {0.3f, -1.2f, 2f, 0f, 0.7f};
    LossGradCheck.of("MarginMSE, one negative").input(51, 5, 4).input(52, 5, 4).input(53, 5, 4)
        .check(e -> new MarginMSELoss().computeLoss(e, one), x -> Float64Losses.marginMse(x, one, 5, 4, false));
    float[] two = {0.3f, -1.2f, 2f, 0f, 0.7f, 1.1f, -0.4f, 0.2f};
    LossGradCheck.of("MarginMSE, two negatives, cosine").input(54, 4, 3).input(55, 4, 3).input(56, 4, 3)
        .input(57, 4, 3).check(e -> new MarginMSELoss(SimilarityFunction.COSINE).computeLoss(e, two),
            x -> Float64Losses.marginMse(x, two, 4, 3, true));
  }

  @Test
  void marginMseNeedsOneMarginPerExampleAndNegative() {
    List<Tensor> in = List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 3), Tensor.zeros(2, 3), Tensor.zeros(2, 3));
    var e = assertThrows(IllegalArgumentException.class, () -> new MarginMSELoss().computeLoss(in, new float[2]));
    assertTrue(e.getMessage().contains("2 × 2 = 4 labels") && e.getMessage().contains("got 2"), e.getMessage());
  }

  // ---- AnglELoss ---------------------------------------------------------------------------------

  /**
   * dim 4, x = (a₁, a₂ | b₁, b₂), angle = |Σ ac + bd + bc − ad| / (‖x‖‖y‖):
   * A: x = (1, 0 | 0, 0), y = (2, 0 | 0, 0): 2/2 = 1;
   * B: x = (1, 0 | 0, 0), y = (1, 0 | 1, 0): 1 − 1 = 0 (cosine would be 0.707);
   * C: x = (0, 1 | 0, 0), y = (0, 2 | 0, 1): 2 − 1 = 1 over √5: 0.4472.
   * Labels 0.2, 0.5, 0.9: the ordered pairs (A, B), (A, C), (B, C) give
   * log(1 + e^{20(1 − 0)} + e^{20(1 − 1/√5)} + e^{20(0 − 1/√5)}).
   */
  @Test
  void angleByHand() {
    var loss = new AnglELoss();
    assertEquals(20f, loss.scale(), "scale 20 as sentence-transformers");
    var u = rows(4, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0);
    var v = rows(4, 2, 0, 0, 0, 1, 0, 1, 0, 0, 2, 0, 1);
    float[] angles = AnglELoss.angle(u, v).toFloatArray();
    assertEquals(1.0, angles[0], 1e-6);
    assertEquals(0.0, angles[1], 1e-6);
    assertEquals(1 / Math.sqrt(5), angles[2], 1e-6);
    double c = 1 / Math.sqrt(5);
    double expected = Math.log(1 + Math.exp(20) + Math.exp(20 * (1 - c)) + Math.exp(-20 * c));
    float got = loss.computeLoss(List.of(u, v), new float[] {0.2f, 0.5f, 0.9f}).item();
    assertEquals(expected, got, 1e-5 * expected);
  }

  @Test
  void angleGradientsAgainstFloat64() {
    float[] labels = {0.1f, 0.9f, 0.5f, 0.5f, -0.3f};
    var loss = new AnglELoss(2f);
    LossGradCheck.of("AnglE, even dim").input(61, 5, 6).input(62, 5, 6)
        .check(e -> loss.computeLoss(e, labels), x -> Float64Losses.angle(x[0], x[1], labels, 5, 6, 2));
    LossGradCheck.of("AnglE, odd dim (a zero appended)").input(63, 5, 5).input(64, 5, 5)
        .check(e -> loss.computeLoss(e, labels), x -> Float64Losses.angle(x[0], x[1], labels, 5, 5, 2));
  }
}
