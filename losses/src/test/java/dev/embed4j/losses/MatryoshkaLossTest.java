package dev.embed4j.losses;

import org.junit.jupiter.api.Test;

class MatryoshkaLossTest {
  @Test
  void weightedSumOverTruncatedDimensions() {
    var inner = new MultipleNegativesRankingLoss();
    var loss = new MatryoshkaLoss(inner, new int[] {6, 4, 2}, new float[] {1f, 0.5f, 0.25f});
    LossGradCheck.of("Matryoshka(MNRL)").input(1, 4, 6).input(2, 4, 6).input(3, 4, 6).check(loss::computeLoss, x -> {
      double total = 0;
      int[] dims = {6, 4, 2};
      double[] w = {1, 0.5, 0.25};
      for (int k = 0; k < 3; k++) {
        double[][] cut = new double[3][4 * dims[k]];
        for (int c = 0; c < 3; c++) {
          for (int i = 0; i < 4; i++) System.arraycopy(x[c], i * 6, cut[c], i * dims[k], dims[k]);
        }
        total += w[k] * Float64Losses.mnrl(cut, 4, dims[k], 20, true, inner.directions(), inner.partitionMode());
      }
      return total;
    });
  }
}
