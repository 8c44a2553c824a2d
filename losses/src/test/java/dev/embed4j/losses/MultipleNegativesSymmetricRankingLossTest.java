package dev.embed4j.losses;

import org.junit.jupiter.api.Test;

class MultipleNegativesSymmetricRankingLossTest {
  private static void check(String name, int batch, int columns, int dim) {
    LossGradCheck c = LossGradCheck.of(name);
    for (int i = 0; i < columns; i++) c.input(17L * i + batch, batch, dim);
    c.check(new MultipleNegativesSymmetricRankingLoss()::computeLoss, x -> Float64Losses.mnsrl(x, batch, dim, 20));
  }

  @Test
  void halfRowsHalfColumnsOfThePositiveBlock() {
    check("pairs", 5, 2, 4);
    check("with a hard negative", 4, 3, 3);
    check("batch 1", 1, 2, 2);
  }
}
