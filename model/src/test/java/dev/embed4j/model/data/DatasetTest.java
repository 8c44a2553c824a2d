package dev.embed4j.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {
  @TempDir Path dir;

  @Test
  void readsJsonlCsvAndTsvWithALabelColumnRecognisedByName() throws Exception {
    Path jsonl = dir.resolve("pairs.jsonl");
    Files.writeString(jsonl, "{\"anchor\": \"a cat\", \"positive\": \"a kitten\"}\n\n{\"anchor\": \"dog\", \"positive\": \"puppy\"}\n");
    Dataset d = DatasetReader.read(jsonl, null);
    assertEquals("pairs", d.name());
    assertEquals(List.of("anchor", "positive"), d.textColumns());
    assertEquals(2, d.size());
    assertEquals("puppy", d.text(1, 1));
    assertFalse(d.hasLabels());

    Path csv = dir.resolve("sts.csv");
    Files.writeString(csv, "sentence1,sentence2,score\n\"A man, smiling\",\"He said \"\"hi\"\"\",0.8\nx,\"multi\nline\",1\n");
    Dataset s = DatasetReader.read(csv, "sts");
    assertEquals(List.of("sentence1", "sentence2"), s.textColumns());
    assertEquals("score", s.labelColumn());
    assertEquals("A man, smiling", s.text(0, 0));
    assertEquals("He said \"hi\"", s.text(0, 1));
    assertEquals("multi\nline", s.text(1, 1));
    assertEquals(0.8f, s.label(0));

    Path tsv = dir.resolve("t.tsv");
    Files.writeString(tsv, "query\tdoc\tlabel\nq1\td1\t1\nq2\td2\t0\n");
    Dataset t = DatasetReader.read(tsv, null);
    assertEquals(List.of("query", "doc"), t.textColumns());
    assertEquals(0f, t.label(1));
  }

  @Test
  void errorsNameTheFileLineAndColumn() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"anchor\": \"a\", \"positive\": \"b\"}\n{\"anchor\": \"c\"}\n");
    var e = assertThrows(IllegalArgumentException.class, () -> DatasetReader.read(bad, null));
    assertTrue(e.getMessage().contains("bad.jsonl:2") && e.getMessage().contains("positive"), e.getMessage());

    Path badScore = dir.resolve("s.csv");
    Files.writeString(badScore, "sentence1,sentence2,score\na,b,high\n");
    e = assertThrows(IllegalArgumentException.class, () -> DatasetReader.read(badScore, null));
    assertTrue(e.getMessage().contains("score") && e.getMessage().contains("high"), e.getMessage());

    Path notJson = dir.resolve("n.jsonl");
    Files.writeString(notJson, "{oops\n");
    e = assertThrows(IllegalArgumentException.class, () -> DatasetReader.read(notJson, null));
    assertTrue(e.getMessage().contains("n.jsonl:1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DatasetReader.read(dir.resolve("missing.csv"), null));
    assertThrows(IllegalArgumentException.class, () -> DatasetReader.read(dir.resolve("x.parquet"), null));
  }

  @Test
  void promptsResolveMostSpecificFirst() {
    Prompts p = Prompts.all("g: ").column("anchor", "query: ").dataset("sym", "").datasetColumn("ret", "positive", "doc: ");
    assertEquals("query: ", p.prompt("ret", "anchor"));
    assertEquals("doc: ", p.prompt("ret", "positive"));
    assertEquals("", p.prompt("sym", "anchor"));
    assertEquals("g: ", p.prompt("other", "positive"));
    assertEquals("", Prompts.none().prompt("x", "y"));
  }

  private static Dataset pairs(int n, int distinctAnchors) {
    List<List<?>> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) rows.add(List.of("anchor " + (i % distinctAnchors), "positive " + i));
    return Dataset.of("d", List.of("anchor", "positive"), rows);
  }

  @Test
  void shuffledSamplerIsSeededAndCoversEveryRowOnce() {
    ShuffledBatchSampler s = new ShuffledBatchSampler(103, 10, 7, false);
    List<int[]> e0 = s.epoch(0);
    assertEquals(11, e0.size());
    assertEquals(11, s.batchesPerEpoch());
    Set<Integer> seen = new HashSet<>();
    for (int[] b : e0) for (int r : b) assertTrue(seen.add(r));
    assertEquals(103, seen.size());
    assertEquals(toList(e0), toList(new ShuffledBatchSampler(103, 10, 7, false).epoch(0)));
    assertFalse(toList(e0).equals(toList(s.epoch(1))));
    assertEquals(10, new ShuffledBatchSampler(103, 10, 7, true).epoch(0).size());
  }

  @Test
  void noDuplicatesSamplerNeverPutsATextTwiceInABatch() {
    Dataset d = pairs(200, 30); // anchors repeat
    List<int[]> batches = new NoDuplicatesBatchSampler(d, 16, 1, true).epoch(0);
    assertFalse(batches.isEmpty());
    for (int[] b : batches) {
      assertEquals(16, b.length);
      Set<String> texts = new HashSet<>();
      for (int r : b) for (int c = 0; c < 2; c++) assertTrue(texts.add(d.text(r, c)), "duplicate " + d.text(r, c));
    }
  }

  @Test
  void roundRobinStopsAtTheShortestAndProportionalUsesEveryBatch() {
    BatchSampler a = new ShuffledBatchSampler(50, 10, 1, true), b = new ShuffledBatchSampler(20, 10, 2, true);
    var rr = new MultiDatasetBatchSampler(List.of(a, b), MultiDatasetBatchSampler.Mode.ROUND_ROBIN, 3).epoch(0);
    assertEquals(5, rr.size()); // a, b, a, b, a, then b runs out (as sentence-transformers' round robin)
    assertEquals(List.of(0, 1, 0, 1, 0), rr.stream().map(MultiDatasetBatchSampler.BatchRef::dataset).toList());
    var prop = new MultiDatasetBatchSampler(List.of(a, b), MultiDatasetBatchSampler.Mode.PROPORTIONAL, 3).epoch(0);
    assertEquals(7, prop.size());
    assertEquals(5, prop.stream().filter(r -> r.dataset() == 0).count());
  }

  @Test
  void inMemoryDatasetsFromMaps() {
    Dataset d = DatasetReader.fromMaps("m", List.of(Map.of("sentence1", "a", "sentence2", "b", "score", 0.5)));
    assertTrue(d.hasLabels());
    assertEquals(0.5f, d.label(0));
  }

  private static List<List<Integer>> toList(List<int[]> batches) {
    return batches.stream().map(b -> java.util.Arrays.stream(b).boxed().toList()).toList();
  }
}
