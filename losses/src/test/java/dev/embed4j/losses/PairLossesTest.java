package dev.embed4j.losses;

import org.junit.jupiter.api.Test;

class PairLossesTest {
  private static final float[] LABELS = {0.1f, 0.9f, 0.5f, 0.5f, -0.3f};

  @Test
  void coSentOverEveryOrderedPair() {
    var loss = new CoSENTLoss();
    LossGradCheck.of("CoSENT").input(1, 5, 4).input(2, 5, 4)
        .check(e -> loss.computeLoss(e, LABELS), x -> Float64Losses.cosent(x[0], x[1], LABELS, 5, 4, 20));
    float[] one = {0.3f};
    LossGradCheck.of("CoSENT batch 1").input(3, 1, 4).input(4, 1, 4)
        .check(e -> loss.computeLoss(e, one), x -> Float64Losses.cosent(x[0], x[1], one, 1, 4, 20));
  }

  @Test
  void cosineSimilarityMeanSquaredError() {
    var loss = new CosineSimilarityLoss();
    LossGradCheck.of("CosineSimilarity").input(5, 5, 3).input(6, 5, 3)
        .check(e -> loss.computeLoss(e, LABELS), x -> Float64Losses.cosineSimilarity(x[0], x[1], LABELS, 5, 3));
  }
}
