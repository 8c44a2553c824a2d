package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad batches fail with a message that names the loss and the column. */
class BadInputTest {
  private static void fails(Runnable r, String... parts) {
    var e = assertThrows(IllegalArgumentException.class, r::run);
    for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
  }

  @Test
  void columnsOfDifferentLengths() {
    fails(() -> new MultipleNegativesRankingLoss().computeLoss(List.of(Tensor.randn(1, 4, 3), Tensor.randn(2, 5, 3))),
        "MultipleNegativesRankingLoss", "column 1 (positive)", "5 rows", "4");
    fails(() -> new CachedMultipleNegativesRankingLoss<int[]>().forward(new TinyEncoder(1, 0f),
        List.of(TinyEncoder.inputs(1, 3), TinyEncoder.inputs(2, 3), TinyEncoder.inputs(3, 2)), null, new Generator(1)),
        "CachedMultipleNegativesRankingLoss", "column 2 (negative_1)");
  }

  @Test
  void emptyBatch() {
    fails(() -> new MultipleNegativesSymmetricRankingLoss().computeLoss(List.of(Tensor.zeros(0, 3), Tensor.zeros(0, 3))),
        "MultipleNegativesSymmetricRankingLoss", "column 0 (anchor)", "empty");
  }

  @Test
  void scoreOutsideItsRange() {
    fails(() -> new CosineSimilarityLoss().computeLoss(List.of(Tensor.randn(1, 2, 3), Tensor.randn(2, 2, 3)),
        new float[] {0.5f, 1.5f}), "CosineSimilarityLoss", "1.5", "row 1");
    fails(() -> new CoSENTLoss().computeLoss(List.of(Tensor.randn(1, 2, 3), Tensor.randn(2, 2, 3)),
        new float[] {0.5f, Float.NaN}), "CoSENTLoss", "row 1");
    fails(() -> new CoSENTLoss().computeLoss(List.of(Tensor.randn(1, 2, 3), Tensor.randn(2, 2, 3)), null),
        "CoSENTLoss", "labels");
  }

  /** The losses' A·Bᵀ products take the similarities that are a dot product of prepared rows only. */
  @Test
  void aSimilarityThatIsNotADotProduct() {
    fails(() -> new MultipleNegativesRankingLoss(20f, SimilarityFunction.EUCLIDEAN), "MultipleNegativesRankingLoss",
        "EUCLIDEAN", "COSINE");
    fails(() -> new CoSENTLoss(20f, SimilarityFunction.MANHATTAN), "CoSENTLoss", "MANHATTAN");
    fails(() -> new MarginMSELoss(null), "MarginMSELoss", "null");
  }

  @Test
  void nanEmbeddings() {
    Tensor bad = Tensor.of(new float[] {1, 2, 3, 4, Float.NaN, 6}, 2, 3);
    fails(() -> new MultipleNegativesRankingLoss().computeLoss(List.of(Tensor.randn(1, 2, 3), Tensor.randn(2, 2, 3), bad)),
        "MultipleNegativesRankingLoss", "column 2 (negative_1)", "NaN", "row 1");
    fails(() -> new CoSENTLoss().computeLoss(List.of(bad, Tensor.randn(2, 2, 3)), new float[] {0, 1}),
        "CoSENTLoss", "column 0 (sentence1)", "NaN");
  }

  /** Found through a reduction on the tensor's own device, also in a view that is not contiguous. */
  @Test
  void infiniteEmbeddingsInAView() {
    float[] v = new float[12];
    v[7] = Float.NEGATIVE_INFINITY; // row 1, column 3 of [3, 4]: row 3, dimension 1 of its transpose
    Tensor view = Tensor.of(v, 3, 4).t();
    fails(() -> new MultipleNegativesSymmetricRankingLoss().computeLoss(List.of(Tensor.randn(1, 4, 3), view)),
        "MultipleNegativesSymmetricRankingLoss", "column 1 (positive)", "infinite", "row 3, dimension 1");
  }

  @Test
  void matryoshkaDimensionTooLarge() {
    fails(() -> new MatryoshkaLoss(new MultipleNegativesRankingLoss(), 8, 4)
        .computeLoss(List.of(Tensor.randn(1, 2, 6), Tensor.randn(2, 2, 6))), "MatryoshkaLoss", "column 0", "8");
  }
}
