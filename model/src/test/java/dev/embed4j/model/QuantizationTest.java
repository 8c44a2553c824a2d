package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.Quantization.Precision;
import dev.embed4j.model.Quantization.Ranges;
import org.junit.jupiter.api.Test;

/**
 * Quantisation against values computed by hand from sentence-transformers' quantize_embeddings: ranges
 * chosen so the bucket widths are exact in float32 (255/255 = 1 and 510/255 = 2).
 */
class QuantizationTest {
  // dimension 0 spans [-100, 155] (width 1), dimension 1 spans [0, 510] (width 2)
  static final float[][] E = {{-100, 0}, {0, 1}, {27.5f, 255}, {155, 510}};

  static int[][] unsigned(byte[][] q) {
    int[][] out = new int[q.length][];
    for (int i = 0; i < q.length; i++) {
      out[i] = new int[q[i].length];
      for (int j = 0; j < q[i].length; j++) out[i][j] = Byte.toUnsignedInt(q[i][j]);
    }
    return out;
  }

  static void assertBytes(int[][] expected, byte[][] actual, boolean asUnsigned) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      int[] row = asUnsigned ? unsigned(actual)[i] : new int[actual[i].length];
      if (!asUnsigned) for (int j = 0; j < row.length; j++) row[j] = actual[i][j];
      assertArrayEquals(expected[i], row, "row " + i);
    }
  }

  @Test
  void uint8TruncatesTheBucketPosition() {
    // buckets: (x - min) / width: 0, 100 | 0, 0.5 -> 0 | 127.5 -> 127, 127.5 -> 127 | 255, 255
    assertBytes(new int[][] {{0, 0}, {100, 0}, {127, 127}, {255, 255}}, Quantization.quantizeEmbeddings(E, Precision.UINT8), true);
  }

  @Test
  void int8SubtractsThenTruncatesTowardsZero() {
    // bucket - 128: -128, -28 | -128, -127.5 -> -127 | -0.5 -> 0, -0.5 -> 0 | 127, 127 (NumPy's astype(int8))
    assertBytes(new int[][] {{-128, -128}, {-28, -127}, {0, 0}, {127, 127}}, Quantization.quantizeEmbeddings(E, Precision.INT8), false);
  }

  @Test
  void calibrationRangesApplyToOtherEmbeddingsAndOutOfRangeValuesClamp() {
    Ranges r = Ranges.of(new float[][] {{-100, 510}, {155, 0}, {0, 7}});
    assertArrayEquals(new float[] {-100, 0}, r.min());
    assertArrayEquals(new float[] {155, 510}, r.max());
    float[][] x = {{0, 255}, {200, -10}};
    assertBytes(new int[][] {{100, 127}, {255, 0}}, Quantization.quantizeEmbeddings(x, Precision.UINT8, r), true);
    assertBytes(new int[][] {{-28, 0}, {127, -128}}, Quantization.quantizeEmbeddings(x, Precision.INT8, r), false);
    // explicit ranges are the same thing
    assertBytes(new int[][] {{100, 127}, {255, 0}},
        Quantization.quantizeEmbeddings(x, Precision.UINT8, new Ranges(new float[] {-100, 0}, new float[] {155, 510})), true);
  }

  @Test
  void theMaximumFallsShortOfTheLastBucketWhenTheWidthIsNotExactInFloat32() {
    // width 1/255 rounds in float32, so (2 - 1) / width = 254.99998 -> 254, as NumPy computes it
    assertBytes(new int[][] {{0}, {254}}, Quantization.quantizeEmbeddings(new float[][] {{1}, {2}}, Precision.UINT8), true);
  }

  @Test
  void anEmptyRangePutsEveryValueInTheFirstBucket() {
    float[][] same = {{3, 0}, {3, 255}};
    assertBytes(new int[][] {{0, 0}, {0, 255}}, Quantization.quantizeEmbeddings(same, Precision.UINT8), true);
    assertBytes(new int[][] {{-128, -128}, {-128, 127}}, Quantization.quantizeEmbeddings(same, Precision.INT8), false);
  }

  @Test
  void binaryPacksSignBitsHighestFirstAndSubtracts128() {
    float[][] x = {{1, -1, 0, 2, 0.5f, -3, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0.1f, -1, 0}};
    // row 0: bits 10011000 = 152, then 11 padded with zeros = 11000000 = 192; row 1: 00000001 = 1, 00000000 = 0
    assertBytes(new int[][] {{152, 192}, {1, 0}}, Quantization.quantizeEmbeddings(x, Precision.UBINARY), true);
    assertBytes(new int[][] {{24, 64}, {-127, -128}}, Quantization.quantizeEmbeddings(x, Precision.BINARY), false);
    assertEquals(4, Quantization.quantizeEmbeddings(new float[][] {new float[32]}, Precision.BINARY)[0].length);
  }

  @Test
  void badInputsAreRefusedClearly() {
    var e = assertThrows(IllegalArgumentException.class, () -> Quantization.quantizeEmbeddings(E, Precision.INT8, null));
    assertTrue(e.getMessage().contains("needs ranges"), e.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class,
        () -> Quantization.quantizeEmbeddings(new float[][] {{1, 2, 3}}, Precision.UINT8, Ranges.of(E)));
    assertTrue(e2.getMessage().contains("embedding 0 has 3 dimensions, the ranges 2"), e2.getMessage());
    var e3 = assertThrows(IllegalArgumentException.class, () -> new Ranges(new float[] {1}, new float[] {0}));
    assertTrue(e3.getMessage().contains("dimension 0"), e3.getMessage());
    assertEquals(0, Quantization.quantizeEmbeddings(new float[0][], Precision.INT8).length);
  }
}
