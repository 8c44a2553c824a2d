package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MultipleNegativesRankingLossTest {
  private static final Set<Direction> ALL = EnumSet.allOf(Direction.class);

  private static void check(String name, int batch, int columns, int dim, MultipleNegativesRankingLoss loss) {
    LossGradCheck c = LossGradCheck.of(name);
    for (int i = 0; i < columns; i++) c.input(31L * i + batch, batch, dim);
    c.check(loss::computeLoss, x -> Float64Losses.mnrl(x, batch, dim, loss.scale(),
        loss.similarity() == SimilarityFunction.COSINE, loss.directions(), loss.partitionMode()));
  }

  @Test
  void defaultsArePairsAndTripletsWithScale20Cosine() {
    var loss = new MultipleNegativesRankingLoss();
    assertTrue(loss.scale() == 20f && loss.similarity() == SimilarityFunction.COSINE
        && loss.directions().equals(EnumSet.of(Direction.QUERY_TO_DOC)) && loss.partitionMode() == PartitionMode.JOINT);
    check("pairs", 5, 2, 4, loss);
    check("two hard negatives (n != m)", 4, 4, 3, loss);
    check("batch 1", 1, 2, 3, loss);
    check("batch 1 with a hard negative", 1, 3, 3, loss);
  }

  @Test
  void dotSimilarity() {
    check("dot, scale 1", 4, 3, 5, new MultipleNegativesRankingLoss(1f, SimilarityFunction.DOT));
  }

  @Test
  void everyDirectionJointAndPerDirection() {
    PartitionMode joint = PartitionMode.JOINT, perDirection = PartitionMode.PER_DIRECTION;
    check("all directions joint", 4, 3, 3, new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, ALL, joint));
    check("all directions pairs joint", 3, 2, 4, new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, ALL, joint));
    for (Direction extra : List.of(Direction.QUERY_TO_QUERY, Direction.DOC_TO_QUERY, Direction.DOC_TO_DOC)) {
      check(extra + " joint", 4, 3, 3, new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
          EnumSet.of(Direction.QUERY_TO_DOC, extra), joint));
    }
    Set<Direction> both = EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY);
    check("query→doc, doc→query per direction", 4, 3, 3, new MultipleNegativesRankingLoss(20f,
        SimilarityFunction.COSINE, both, perDirection));
    check("query→doc, doc→query per direction, pairs", 3, 2, 4, new MultipleNegativesRankingLoss(20f,
        SimilarityFunction.COSINE, both, perDirection));
    check("query→doc per direction", 4, 3, 3, new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
        EnumSet.of(Direction.QUERY_TO_DOC), perDirection));
  }

  /** sentence-transformers #3677: same-type directions never hold the positive, so per direction is refused. */
  @Test
  void perDirectionRefusesQueryToQueryAndDocToDoc() {
    for (Direction sameType : List.of(Direction.QUERY_TO_QUERY, Direction.DOC_TO_DOC)) {
      var e = assertThrows(IllegalArgumentException.class, () -> new MultipleNegativesRankingLoss(20f,
          SimilarityFunction.COSINE, EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY, sameType),
          PartitionMode.PER_DIRECTION));
      String m = e.getMessage();
      assertTrue(m.contains("PER_DIRECTION") && m.contains(sameType.name()) && m.contains("JOINT"), m);
      // the same directions are fine jointly
      new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, EnumSet.of(Direction.QUERY_TO_DOC, sameType),
          PartitionMode.JOINT);
    }
    var e = assertThrows(IllegalArgumentException.class, () -> new CachedMultipleNegativesRankingLoss<Object>(
        new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, ALL, PartitionMode.PER_DIRECTION), 4));
    assertTrue(e.getMessage().contains("QUERY_TO_QUERY"), e.getMessage());
  }

  @Test
  void batchOneWithSelfSimilaritiesMaskedAway() {
    // q→q and d→d have nothing left in a batch of one: joint mode ignores them, as sentence-transformers does.
    check("batch 1 all directions joint", 1, 3, 3,
        new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, ALL, PartitionMode.JOINT));
  }

  @Test
  void queryToDocIsRequired() {
    var e = assertThrows(IllegalArgumentException.class, () -> new MultipleNegativesRankingLoss(20f,
        SimilarityFunction.COSINE, EnumSet.of(Direction.DOC_TO_QUERY), PartitionMode.JOINT));
    assertTrue(e.getMessage().contains("QUERY_TO_DOC"), e.getMessage());
  }

  @Test
  void largeScaleStaysFinite() {
    Tensor q = Tensor.randn(3, 64, 16), d = q.add(Tensor.randn(4, 64, 16).mul(0.01f));
    float v = new MultipleNegativesRankingLoss(100f, SimilarityFunction.COSINE, ALL, PartitionMode.JOINT)
        .computeLoss(List.of(q, d)).item();
    assertTrue(Float.isFinite(v), "loss " + v);
  }

  // ---- hardness: sentence-transformers 5.3's hardness_mode and hardness_strength ----------------------------

  private static final Set<Direction> QD = EnumSet.of(Direction.QUERY_TO_DOC),
      QD_DQ = EnumSet.of(Direction.QUERY_TO_DOC, Direction.DOC_TO_QUERY);

  /** Value and gradients against the float64 twin, its penalty frozen at the inputs (a stop-gradient). */
  private static void checkHardness(String name, int batch, int columns, int dim, MultipleNegativesRankingLoss loss) {
    LossGradCheck c = LossGradCheck.of(name);
    for (int i = 0; i < columns; i++) c.input(31L * i + batch, batch, dim);
    double[][] frozen = c.values();
    c.check(loss::computeLoss, x -> Float64Losses.mnrl(x, batch, dim, loss.scale(),
        loss.similarity() == SimilarityFunction.COSINE, loss.directions(), loss.partitionMode(), loss.hardnessMode(),
        loss.hardnessStrength(), frozen));
  }

  private static MultipleNegativesRankingLoss hard(Set<Direction> directions, PartitionMode mode, HardnessMode hardness,
      float strength) {
    return new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, directions, mode, hardness, strength);
  }

  /**
   * Each mode, with pairs and with two hard negatives, query→doc alone, with doc→query jointly and per
   * direction (doc→query must stay unpenalised), and every direction jointly.
   */
  @Test
  void everyHardnessModeMatchesTheFloat64Twin() {
    for (HardnessMode mode : HardnessMode.values()) {
      float alpha = mode == HardnessMode.IN_BATCH_NEGATIVES ? 9f : 5f;
      for (int columns : new int[] {2, 4}) {
        String what = mode + " α " + alpha + (columns == 2 ? ", pairs, " : ", two hard negatives, ");
        checkHardness(what + "query→doc", 4, columns, 3, hard(QD, PartitionMode.JOINT, mode, alpha));
        checkHardness(what + "query→doc and doc→query jointly", 4, columns, 3, hard(QD_DQ, PartitionMode.JOINT, mode, alpha));
        checkHardness(what + "per direction", 4, columns, 3, hard(QD_DQ, PartitionMode.PER_DIRECTION, mode, alpha));
        checkHardness(what + "every direction jointly", 4, columns, 3, hard(ALL, PartitionMode.JOINT, mode, alpha));
      }
    }
    checkHardness("dot, scale 1, in-batch α 2, per direction", 5, 3, 4, new MultipleNegativesRankingLoss(1f,
        SimilarityFunction.DOT, QD_DQ, PartitionMode.PER_DIRECTION, HardnessMode.IN_BATCH_NEGATIVES, 2f));
    checkHardness("batch 1, all negatives", 1, 3, 3, hard(QD_DQ, PartitionMode.JOINT, HardnessMode.ALL_NEGATIVES, 5f));
  }

  /**
   * B = 2, one hard negative, α = 5, scale 2, dot similarity, worked out by hand. With
   * q₀ = (1, 0), q₁ = (0, 1), d⁺₀ = (0.8, 0.6), d⁺₁ = (0.6, 0.8), d⁻₀ = (0.5, 0), d⁻₁ = (0.2, 0.4) and
   * D = [d⁺₀, d⁺₁, d⁻₀, d⁻₁], the similarities are
   * <pre>
   *   sim(q₀, D) = [0.8, 0.6, 0.5, 0.2]   q₀'s own documents: j = 0 (positive), 2 (its hard negative)
   *   sim(q₁, D) = [0.6, 0.8, 0.0, 0.4]   q₁'s own documents: j = 1 (positive), 3
   * </pre>
   * so the logits 2·sim, a penalised one 2·sim + 5·sim = 7·sim (the penalty is on the unscaled similarity:
   * 7, not 2 + 5·2 = 12), are
   * <pre>
   *   none               [1.6, 1.2, 1.0, 0.4]   [1.2, 1.6, 0.0, 0.8]
   *   HARD_NEGATIVES     [1.6, 1.2, 3.5, 0.4]   [1.2, 1.6, 0.0, 2.8]
   *   IN_BATCH_NEGATIVES [1.6, 4.2, 1.0, 1.4]   [4.2, 1.6, 0.0, 0.8]
   *   ALL_NEGATIVES      [1.6, 4.2, 3.5, 1.4]   [4.2, 1.6, 0.0, 2.8]
   * </pre>
   * and loss = mean_i (log Σ_j exp logit_ij − 1.6), e.g. HARD_NEGATIVES:
   * ½·(log(e^1.6 + e^1.2 + e^3.5 + e^0.4) − 1.6 + log(e^1.2 + e^1.6 + e^0 + e^2.8) − 1.6)
   * = ½·(2.158415 + 1.647183) = 1.902799. Doc→query adds d⁺_i against every query, unpenalised:
   * 2·[0.8, 0.6] for d⁺₀ and 2·[0.6, 0.8] for d⁺₁; jointly, IN_BATCH_NEGATIVES row 0 is
   * log(e^1.6 + e^4.2 + e^1.0 + e^1.4 + e^1.6 + e^1.2) − 1.6 = 2.862292 (with the penalised column of q·Dᵀ,
   * e^4.2 for e^1.2, it would be 3.39). Per direction it is ½·(query→doc + doc→query) per row.
   */
  @Test
  void aTinyCaseByHand() {
    List<Tensor> columns = List.of(Tensor.of(new float[] {1, 0, 0, 1}, 2, 2), Tensor.of(new float[] {0.8f, 0.6f, 0.6f, 0.8f}, 2, 2),
        Tensor.of(new float[] {0.5f, 0, 0.2f, 0.4f}, 2, 2));
    Object[][] cases = {
        // mode, query→doc, query→doc + doc→query jointly, per direction
        {null, 0.8833106780, 1.4085567842, 0.6981629652},
        {HardnessMode.HARD_NEGATIVES, 1.9027993299, 2.1304632843, 1.2079072911},
        {HardnessMode.IN_BATCH_NEGATIVES, 2.7388364855, 2.8413974282, 1.6259258690},
        {HardnessMode.ALL_NEGATIVES, 2.9895916216, 3.0706353830, 1.7513034370}};
    for (Object[] c : cases) {
      HardnessMode mode = (HardnessMode) c[0];
      float alpha = mode == null ? 0f : 5f;
      var dot = SimilarityFunction.DOT;
      float[] got = {
          new MultipleNegativesRankingLoss(2f, dot, QD, PartitionMode.JOINT, mode, alpha).computeLoss(columns).item(),
          new MultipleNegativesRankingLoss(2f, dot, QD_DQ, PartitionMode.JOINT, mode, alpha).computeLoss(columns).item(),
          new MultipleNegativesRankingLoss(2f, dot, QD_DQ, PartitionMode.PER_DIRECTION, mode, alpha).computeLoss(columns)
              .item()};
      String[] what = {"query→doc", "with doc→query jointly", "per direction"};
      for (int k = 0; k < 3; k++) assertEquals((double) c[k + 1], got[k], 2e-6, mode + ", " + what[k]);
    }
  }

  /** The loss and the gradient of every column, on fixed embeddings. */
  private static float[][] lossAndGradients(MultipleNegativesRankingLoss loss, int columns) {
    List<Tensor> in = new java.util.ArrayList<>();
    for (int c = 0; c < columns; c++) in.add(Tensor.randn(70 + c, 6, 5).requiresGrad(true));
    Tensor l = loss.computeLoss(in);
    l.backward();
    float[][] out = new float[columns + 1][];
    out[0] = new float[] {l.item()};
    for (int c = 0; c < columns; c++) out[c + 1] = in.get(c).grad().toFloatArray();
    return out;
  }

  private static void assertSameBits(String what, float[][] expected, float[][] actual) {
    for (int c = 0; c < expected.length; c++) {
      for (int i = 0; i < expected[c].length; i++) {
        assertEquals(Float.floatToRawIntBits(expected[c][i]), Float.floatToRawIntBits(actual[c][i]),
            what + (c == 0 ? ": loss" : ": gradient of column " + (c - 1) + "[" + i + "]"));
      }
    }
  }

  /**
   * A mode with strength 0 is no hardness, bit for bit (no penalty and doc→query still from the shared columns);
   * so is HARD_NEGATIVES with pairs, which have no hard negative to penalise. Any other penalty moves the loss.
   */
  @Test
  void strengthZeroAndHardNegativesWithoutNegativesChangeNoBit() {
    for (var dirs : List.of(QD, QD_DQ, ALL)) {
      for (PartitionMode pm : PartitionMode.values()) {
        if (pm == PartitionMode.PER_DIRECTION && dirs == ALL) continue;
        for (int columns : new int[] {2, 4}) {
          var plain = new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE, dirs, pm);
          float[][] expected = lossAndGradients(plain, columns);
          String at = dirs + " " + pm + " " + columns + " columns";
          for (HardnessMode mode : HardnessMode.values()) {
            assertSameBits(mode + " α 0, " + at, expected, lossAndGradients(hard(dirs, pm, mode, 0f), columns));
            float[][] penalised = lossAndGradients(hard(dirs, pm, mode, 5f), columns);
            if (mode == HardnessMode.HARD_NEGATIVES && columns == 2) assertSameBits("HARD_NEGATIVES, pairs, " + at, expected, penalised);
            else assertTrue(penalised[0][0] > expected[0][0], mode + " α 5, " + at + ": the penalty should raise the loss");
          }
        }
      }
    }
  }

  @Test
  void hardnessStrengthMustBeFiniteAndNotNegative() {
    for (float bad : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
      var e = assertThrows(IllegalArgumentException.class, () -> hard(QD, PartitionMode.JOINT, HardnessMode.ALL_NEGATIVES, bad));
      assertTrue(e.getMessage().contains("hardnessStrength") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
    }
    var loss = hard(QD_DQ, PartitionMode.JOINT, HardnessMode.IN_BATCH_NEGATIVES, 9f);
    assertTrue(loss.hardnessMode() == HardnessMode.IN_BATCH_NEGATIVES && loss.hardnessStrength() == 9f);
    var plain = new MultipleNegativesRankingLoss();
    assertTrue(plain.hardnessMode() == null && plain.hardnessStrength() == 0f, "hardness is off by default");
  }
}
