package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cut of a column into mini-batches, against hand-worked bounds. */
class MiniBatchesTest {
  private static final List<Integer> LENGTHS = List.of(3, 3, 3, 5, 1, 12, 2, 2);

  @Test
  void bySizeCutsEqualRunsAndAShorterLastOne() {
    assertArrayEquals(new int[] {0, 3, 6, 8}, MiniBatches.<Integer>ofSize(3).bounds(LENGTHS));
    assertArrayEquals(new int[] {0, 8}, MiniBatches.<Integer>ofSize(32).bounds(LENGTHS));
    assertArrayEquals(new int[] {0}, MiniBatches.<Integer>ofSize(3).bounds(List.of()));
  }

  @Test
  void byTokensCountsInputsTimesTheLongestAndGivesAnOverlongInputItsOwnMiniBatch() {
    // [3,3,3] = 3·3 = 9 ≤ 10, +5 → 4·5 = 20; [5,1] = 2·5 = 10, +12 → 36; [12] alone though over budget; [2,2] = 4.
    assertArrayEquals(new int[] {0, 3, 5, 6, 8}, MiniBatches.<Integer>ofTokens(10, x -> x).bounds(LENGTHS));
    // also at most 2 inputs: [3,3] [3,5] (2·5 = 10) [1] (+12 → 24) [12] [2,2]
    assertArrayEquals(new int[] {0, 2, 4, 5, 6, 8}, MiniBatches.<Integer>of(2, 10, x -> x).bounds(LENGTHS));
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, MiniBatches.<Integer>ofTokens(1, x -> x).bounds(LENGTHS));
  }

  @Test
  void badSettingsSayWhatIsWrong() {
    var e = assertThrows(IllegalArgumentException.class, () -> MiniBatches.ofTokens(0, (Integer x) -> x));
    assertTrue(e.getMessage().contains("miniBatchNumTokens"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MiniBatches.ofTokens(64, null));
    assertTrue(e.getMessage().contains("tokenCount"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MiniBatches.<Integer>ofTokens(4, x -> -1).bounds(List.of(1)));
    assertTrue(e.getMessage().contains("-1 tokens"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new CachedMultipleNegativesRankingLoss<Integer>(new MultipleNegativesRankingLoss(), 0));
    assertTrue(e.getMessage().contains("CachedMultipleNegativesRankingLoss: miniBatchSize"), e.getMessage());
  }
}
