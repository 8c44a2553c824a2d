package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.Pooling;
import java.util.List;
import org.junit.jupiter.api.Test;

/** similarity(float[][], float[][]) and similarityPairwise against values computed by hand. */
class SimilarityMatrixTest {
  static final float[][] A = {{1, 0}, {3, 4}};
  static final float[][] B = {{1, 0}, {0, 2}, {3, 4}};

  static void assertMatrix(float[][] expected, float[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], actual[i], 1e-6f, "row " + i);
  }

  @Test
  void everyFunctionAsAMatrixOfRowsOfAByRowsOfB() {
    // |(3,4)| = 5: cos((1,0),(3,4)) = 3/5, cos((3,4),(0,2)) = 8/(5*2)
    assertMatrix(new float[][] {{1, 0, 0.6f}, {0.6f, 0.8f, 1}}, SimilarityFunction.COSINE.matrix(A, B));
    assertMatrix(new float[][] {{1, 0, 3}, {3, 8, 25}}, SimilarityFunction.DOT.matrix(A, B));
    // (1,0)-(0,2) = (1,-2): sqrt 5; (1,0)-(3,4) = (-2,-4): sqrt 20; (3,4)-(1,0) = (2,4); (3,4)-(0,2) = (3,2): sqrt 13
    assertMatrix(new float[][] {{0, (float) -Math.sqrt(5), (float) -Math.sqrt(20)}, {(float) -Math.sqrt(20), (float) -Math.sqrt(13), 0}},
        SimilarityFunction.EUCLIDEAN.matrix(A, B));
    assertMatrix(new float[][] {{0, -3, -6}, {-6, -5, 0}}, SimilarityFunction.MANHATTAN.matrix(A, B));
  }

  @Test
  void pairwiseTakesRowIWithRowI() {
    float[][] b = {{0, 2}, {3, 4}};
    assertArrayEquals(new float[] {0, 1}, SimilarityFunction.COSINE.pairwise(A, b), 1e-6f);
    assertArrayEquals(new float[] {0, 25}, SimilarityFunction.DOT.pairwise(A, b), 1e-6f);
    var e = assertThrows(IllegalArgumentException.class, () -> SimilarityFunction.DOT.pairwise(A, B));
    assertTrue(e.getMessage().contains("2 and 3 rows"), e.getMessage());
  }

  @Test
  void rowsOfDifferentWidthsAreRefusedNamingTheRow() {
    var e = assertThrows(IllegalArgumentException.class, () -> SimilarityFunction.COSINE.matrix(A, new float[][] {{1, 0}, {1, 2, 3}}));
    assertTrue(e.getMessage().contains("row 1 of b has 3 dimensions, expected 2"), e.getMessage());
    assertEquals(0, SimilarityFunction.COSINE.matrix(new float[0][], B).length);
  }

  @Test
  void theEncodersMatrixUsesItsSimilarityFunctionAndMatchesThePairs() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, true), false, 3);
    assertMatrix(SimilarityFunction.COSINE.matrix(A, B), enc.similarity(A, B));
    float[][] q = enc.encode(List.of("a cat", "a dog")), d = enc.encode(List.of("a kitten", "a puppy", "a car"));
    float[][] m = enc.similarity(q, d);
    for (int i = 0; i < q.length; i++) for (int j = 0; j < d.length; j++) assertEquals(enc.similarity(q[i], d[j]), m[i][j], 0f);
    assertArrayEquals(new float[] {m[0][0], m[1][1]}, enc.similarityPairwise(q, new float[][] {d[0], d[1]}), 0f);
  }
}
