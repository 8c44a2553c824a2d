package dev.embed4j.losses;

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
}
