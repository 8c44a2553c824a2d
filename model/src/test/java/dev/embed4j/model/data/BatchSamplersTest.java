package dev.embed4j.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hashed no-duplicates and the group-by-label samplers, and dropping the last partial batch. */
class BatchSamplersTest {
  /** Pairs drawn from a small vocabulary, so texts repeat across rows and columns. */
  private static Dataset pairsWithRepeats(int rows) {
    Random r = new Random(3);
    List<List<Object>> data = new ArrayList<>();
    for (int i = 0; i < rows; i++) data.add(List.of("t" + r.nextInt(40), "t" + r.nextInt(40)));
    return Dataset.of("pairs", List.of("anchor", "positive"), data);
  }

  private static Dataset labelled(int... labels) {
    List<List<Object>> data = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) data.add(List.of("s" + i, labels[i]));
    return Dataset.of("labelled", List.of("sentence", "label"), data);
  }

  @Test
  void hashedNoDuplicatesGivesTheBatchesOfTheStringSampler() {
    Dataset d = pairsWithRepeats(120);
    for (boolean dropLast : new boolean[] {true, false}) {
      for (int epoch = 0; epoch < 3; epoch++) {
        List<int[]> expected = new NoDuplicatesBatchSampler(d, 8, 11, dropLast).epoch(epoch);
        List<int[]> actual = new NoDuplicatesHashedBatchSampler(d, 8, 11, dropLast).epoch(epoch);
        assertEquals(expected.size(), actual.size(), "epoch " + epoch + " dropLast " + dropLast);
        for (int b = 0; b < expected.size(); b++) assertArrayEquals(expected.get(b), actual.get(b), "batch " + b);
      }
    }
  }

  @Test
  void hashedNoDuplicatesNeverPutsEqualTextsInOneBatchAndDropsTheStubWhenAsked() {
    Dataset d = pairsWithRepeats(120);
    List<int[]> kept = new NoDuplicatesHashedBatchSampler(d, 8, 5, false).epoch(0);
    Set<Integer> rows = new HashSet<>();
    for (int[] batch : kept) {
      Set<String> texts = new HashSet<>();
      for (int row : batch) {
        assertTrue(rows.add(row), "row " + row + " sampled twice");
        for (int c = 0; c < 2; c++) {
          // a row may hold the same text in both columns; it is the texts of different rows that must differ
          if (c == 1 && d.text(row, 1).equals(d.text(row, 0))) continue;
          assertTrue(texts.add(d.text(row, c)), "duplicate text " + d.text(row, c) + " in a batch");
        }
      }
    }
    assertEquals(120, rows.size(), "without dropLast every row is sampled");
    assertTrue(kept.get(kept.size() - 1).length < 8, "the epoch ends in partial batches");
    List<int[]> dropped = new NoDuplicatesHashedBatchSampler(d, 8, 5, true).epoch(0);
    for (int[] batch : dropped) assertEquals(8, batch.length, "dropLast leaves only full batches");
    assertNotEquals(NoDuplicatesHashedBatchSampler.hash("ab"), NoDuplicatesHashedBatchSampler.hash("ba"));
    assertNotEquals(NoDuplicatesHashedBatchSampler.hash(""), NoDuplicatesHashedBatchSampler.hash("\0"));
  }

  @Test
  void shuffledSamplerDropsTheLastPartialBatchOnlyWhenAsked() {
    assertEquals(List.of(4, 4, 2), sizes(new ShuffledBatchSampler(10, 4, 1, false).epoch(0)));
    assertEquals(List.of(4, 4), sizes(new ShuffledBatchSampler(10, 4, 1, true).epoch(0)));
    assertEquals(2, new ShuffledBatchSampler(10, 4, 1, true).batchesPerEpoch());
    assertEquals(3, new ShuffledBatchSampler(10, 4, 1, false).batchesPerEpoch());
  }

  private static List<Integer> sizes(List<int[]> batches) {
    List<Integer> out = new ArrayList<>();
    for (int[] b : batches) out.add(b.length);
    return out;
  }

  @Test
  void groupByLabelPutsEveryLabelOfABatchInItAtLeastTwice() {
    Random r = new Random(9);
    int[] labels = new int[101];
    for (int i = 0; i < labels.length; i++) labels[i] = r.nextInt(17);
    labels[100] = 99; // a label with one row: never sampled
    Dataset d = labelled(labels);
    Map<Integer, Integer> count = new HashMap<>();
    for (int l : labels) count.merge(l, 1, Integer::sum);
    int expectedRows = 0;
    for (int c : count.values()) if (c >= 2) expectedRows += c / 2 * 2;

    for (boolean dropLast : new boolean[] {false, true}) {
      var sampler = new GroupByLabelBatchSampler(d, 6, 4, dropLast);
      for (int epoch = 0; epoch < 4; epoch++) {
        List<int[]> batches = sampler.epoch(epoch);
        assertEquals(sampler.batchesPerEpoch(), batches.size());
        Set<Integer> seen = new HashSet<>();
        for (int[] batch : batches) {
          if (dropLast) assertEquals(6, batch.length);
          Map<Integer, Integer> inBatch = new HashMap<>();
          for (int row : batch) {
            assertTrue(seen.add(row), "row " + row + " twice in an epoch");
            assertNotEquals(99, labels[row], "a label with one row has no positive");
            inBatch.merge(labels[row], 1, Integer::sum);
          }
          for (var e : inBatch.entrySet()) assertTrue(e.getValue() >= 2, "label " + e.getKey() + " once in a batch");
        }
        if (!dropLast) assertEquals(expectedRows, seen.size(), "every label's even share of rows");
      }
    }
    var s = new GroupByLabelBatchSampler(d, 6, 4, true);
    assertArrayEquals(s.epoch(1).get(0), new GroupByLabelBatchSampler(d, 6, 4, true).epoch(1).get(0), "seeded");
    assertFalse(java.util.Arrays.equals(s.epoch(0).get(0), s.epoch(1).get(0)), "a new order each epoch");
  }

  @Test
  void groupByLabelRefusesAnOddBatchAndAnUnlabelledDataset() {
    var e = assertThrows(IllegalArgumentException.class, () -> new GroupByLabelBatchSampler(labelled(1, 1, 2, 2), 5, 0, true));
    assertTrue(e.getMessage().contains("even") && e.getMessage().contains("5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GroupByLabelBatchSampler(pairsWithRepeats(4), 4, 0, true));
    assertTrue(e.getMessage().contains("label column"), e.getMessage());
  }
}
