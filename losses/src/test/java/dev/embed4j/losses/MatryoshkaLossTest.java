package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MatryoshkaLossTest {
  private static final int[] DIMS = {6, 4, 2};
  private static final double[] W = {1, 0.5, 0.25};

  /** weights[k]·MNRL at dims[k], in float64. */
  private static double term(MultipleNegativesRankingLoss inner, double[][] x, int k) {
    double[][] cut = new double[3][4 * DIMS[k]];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 4; i++) System.arraycopy(x[c], i * 6, cut[c], i * DIMS[k], DIMS[k]);
    }
    return W[k] * Float64Losses.mnrl(cut, 4, DIMS[k], 20, true, inner.directions(), inner.partitionMode());
  }

  @Test
  void weightedSumOverTruncatedDimensions() {
    var inner = new MultipleNegativesRankingLoss();
    var loss = new MatryoshkaLoss(inner, DIMS, new float[] {1f, 0.5f, 0.25f});
    LossGradCheck.of("Matryoshka(MNRL)").input(1, 4, 6).input(2, 4, 6).input(3, 4, 6).check(loss::computeLoss, x -> {
      double total = 0;
      for (int k = 0; k < 3; k++) total += term(inner, x, k);
      return total;
    });
  }

  /**
   * nDimsPerStep = 2 of 3: every call is the sum of exactly two of the three float64 terms, all three pairs
   * turn up, and a generator restored to a saved state replays the same draws.
   */
  @Test
  void nDimsPerStepSumsARandomSubsetThatReplays() {
    var inner = new MultipleNegativesRankingLoss();
    float[] w = {1f, 0.5f, 0.25f};
    List<Tensor> cols = new ArrayList<>();
    double[][] x = new double[3][];
    for (int c = 0; c < 3; c++) {
      Tensor t = Tensor.randn(10 + c, 4, 6);
      cols.add(t);
      float[] f = t.toFloatArray();
      x[c] = new double[f.length];
      for (int i = 0; i < f.length; i++) x[c][i] = f[i];
    }
    double[] terms = {term(inner, x, 0), term(inner, x, 1), term(inner, x, 2)};
    Generator random = new Generator(7);
    var loss = new MatryoshkaLoss(inner, DIMS, w, 2, random);
    long saved = random.state();
    Set<Integer> left = new HashSet<>();
    List<Float> values = new ArrayList<>();
    for (int step = 0; step < 30; step++) {
      float v = loss.computeLoss(cols).item();
      values.add(v);
      int match = -1;
      for (int out = 0; out < 3; out++) {
        double expected = terms[0] + terms[1] + terms[2] - terms[out];
        if (Math.abs(v - expected) <= 1e-5 * Math.abs(expected)) match = out;
      }
      assertTrue(match >= 0, "step " + step + ": " + v + " is no sum of two of the terms " + java.util.Arrays.toString(terms));
      left.add(match);
    }
    assertEquals(Set.of(0, 1, 2), left, "every pair of dimensions is drawn within 30 steps");
    random.setState(saved);
    for (int step = 0; step < 30; step++) assertEquals(values.get(step), loss.computeLoss(cols).item(), "replayed step " + step);

    var all = new MatryoshkaLoss(inner, DIMS, w, 3, null);
    assertEquals(terms[0] + terms[1] + terms[2], all.computeLoss(cols).item(), 1e-5 * terms[0], "n = all dims needs no generator");
  }

  /**
   * Without a generator of its own the loss draws from the one each call is given (the training step's):
   * restoring that generator replays the subsets, and the draws follow its state, not the loss object.
   */
  @Test
  void withoutItsOwnGeneratorTheSubsetsComeFromTheCallsGenerator() {
    var inner = new MultipleNegativesRankingLoss();
    List<Tensor> cols = List.of(Tensor.randn(21, 4, 6), Tensor.randn(22, 4, 6));
    var loss = new MatryoshkaLoss(inner, DIMS, null, 1, null);
    Generator step = new Generator(11);
    long saved = step.state();
    List<Float> values = new ArrayList<>();
    for (int i = 0; i < 12; i++) values.add(loss.computeLoss(cols, null, step).item());
    assertTrue(new HashSet<>(values).size() > 1, "one dimension drawn per call, not always the same: " + values);
    step.setState(saved);
    var other = new MatryoshkaLoss(inner, DIMS, null, 1, null); // a second loss object, same generator state
    for (int i = 0; i < 12; i++) assertEquals(values.get(i), other.computeLoss(cols, null, step).item(), "replayed call " + i);
    var e = assertThrows(IllegalArgumentException.class, () -> loss.computeLoss(cols));
    assertTrue(e.getMessage().contains("Generator"), e.getMessage());
  }

  @Test
  void badSettingsSayWhatIsWrong() {
    var inner = new MultipleNegativesRankingLoss();
    var e = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaLoss(inner, DIMS, null, 2, null).computeLoss(
        List.of(Tensor.randn(1, 4, 6), Tensor.randn(2, 4, 6))));
    assertTrue(e.getMessage().contains("Generator"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new MatryoshkaLoss(inner, DIMS, null, 0, new Generator(1)));
    assertTrue(e.getMessage().contains("nDimsPerStep"), e.getMessage());
  }
}
