package dev.embed4j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed4j mine}, and {@code embed4j train} with the losses, samplers, balancing and evaluators of issue 18. */
class MineAndTrainConfigCommandTest {
  @TempDir Path dir;

  private Path tinyModel(String name, long seed) throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, seed);
    Path m = dir.resolve(name);
    enc.save(m);
    return m;
  }

  private Path write(String name, int n, String format) throws Exception {
    StringBuilder sb = new StringBuilder();
    String[] w = {"cat", "dog", "tree", "river", "stone", "cloud", "bread", "lamp", "road", "bird", "snow", "coffee"};
    for (int i = 0; i < n; i++) sb.append(format.formatted(w[i % w.length], i, w[(i + 5) % w.length])).append('\n');
    Path p = dir.resolve(name);
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void mineWritesTripletsAndTuplesAndRefusesBadOptions() throws Exception {
    Path model = tinyModel("model", 3);
    Path pairs = write("pairs.jsonl", 30, "{\"query\": \"what is a %1$s %2$d\", \"answer\": \"a %1$s described %2$d\"}");
    Path corpus = dir.resolve("corpus.txt");
    Files.writeString(corpus, "a lamp on a table\nsnow on the road\nan old bread\n");
    Path out = dir.resolve("mined.jsonl");
    CliRun r = CliRun.of("mine", "--data", pairs.toString(), "--output", out.toString(), "--model", model.toString(),
        "--corpus", corpus.toString(), "--num-negatives", "2");
    assertEquals(0, r.status(), r.err() + r.out());
    List<String> lines = Files.readAllLines(out);
    assertEquals(60, lines.size(), r.out());
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) {
      JsonNode row = json.readTree(line);
      assertEquals(List.of("query", "answer", "negative"), iterable(row));
      assertTrue(!row.get("negative").asText().equals(row.get("answer").asText()), line);
    }
    assertTrue(r.out().contains("mined 60 rows for 30 pairs"), r.out());
    assertTrue(r.err().contains("embedded 30 of 30 anchors") && r.err().contains("texts/s"), "progress on stderr: " + r.err());

    CliRun t = CliRun.of("mine", "--data", pairs.toString(), "--output", out.toString(), "--model", model.toString(),
        "--format", "n-tuple", "--num-negatives", "3", "--sampling", "random", "--seed", "5", "--range-min", "1",
        "--relative-margin", "0.05", "--query-prompt", "query: ");
    assertEquals(0, t.status(), t.err() + t.out());
    for (String line : Files.readAllLines(out)) {
      assertEquals(List.of("query", "answer", "negative_1", "negative_2", "negative_3"), iterable(json.readTree(line)));
    }

    assertEquals(2, CliRun.of("mine", "--data", pairs.toString()).status(), "--output is required");
    CliRun bad = CliRun.of("mine", "--data", pairs.toString(), "--output", out.toString(), "--sampling", "hardest");
    assertEquals(2, bad.status());
    assertTrue(bad.err().contains("--sampling must be top or random"), bad.err());
    CliRun range = CliRun.of("mine", "--data", pairs.toString(), "--output", out.toString(), "--range-min", "5", "--range-max", "5");
    assertEquals(2, range.status());
    assertTrue(range.err().contains("--range-max"), range.err());
    assertEquals(2, CliRun.of("mine", "--data", pairs.toString(), "--output", dir.resolve("x.csv").toString()).status());
    assertTrue(CliRun.of("mine", "--help").out().contains("--relative-margin"));
    assertTrue(CliRun.of("--help").out().contains("mine"));
  }

  private static List<String> iterable(JsonNode row) {
    List<String> names = new java.util.ArrayList<>();
    row.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void trainRunsTheNewLossesBalancedWithEvaluators() throws Exception {
    Path model = tinyModel("model", 3), guide = tinyModel("guide", 4);
    write("triplets.jsonl", 24, "{\"anchor\": \"a %1$s %2$d\", \"positive\": \"the %1$s %2$d\", \"negative\": \"a %3$s\"}");
    write("pairs.jsonl", 24, "{\"anchor\": \"what is a %1$s %2$d\", \"positive\": \"a %1$s described %2$d\"}");
    Path out = dir.resolve("run");
    Path config = dir.resolve("train.yaml");
    Files.writeString(config, """
        model: %s
        output: %s
        datasets:
          - name: triplets
            path: triplets.jsonl
            loss: {type: TripletLoss, distance_metric: cosine, triplet_margin: 0.3}
            weight: 0.5
          - name: gist
            path: pairs.jsonl
            loss: {type: CachedGISTEmbedLoss, guide: %s, margin_strategy: relative, margin: 0.05, mini_batch_size: 3,
                   matryoshka_dims: [32, 16]}
          - name: budget
            path: pairs.jsonl
            loss: {type: CachedMultipleNegativesRankingLoss, mini_batch_num_tokens: 40}
            prompts: {anchor: "query: "}
        sampler: round_robin
        batch_sampler: no_duplicates_hashed
        drop_last: true
        balance_tasks: true
        batch_size: 8
        max_steps: 6
        max_seq_length: 32
        evaluators:
          - {type: retrieval, path: pairs.jsonl, name: dev, matryoshka_dims: [32, 16]}
          - {type: triplet, path: triplets.jsonl}
        eval_main_score: mean
        eval_every: 3
        """.formatted(model, out, guide));
    CliRun r = CliRun.of("train", config.toString());
    assertEquals(0, r.status(), r.err() + r.out());
    List<String> log = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertTrue(log.stream().anyMatch(l -> l.contains("loss/gist")) && log.stream().anyMatch(l -> l.contains("loss/budget")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.contains("task_scale/triplets")), "balancing and the weight scale the gradients");
    assertTrue(log.stream().anyMatch(l -> l.contains("eval_sequential_score") && l.contains("eval_dev_cosine_ndcg@10_dim_16")), log.toString());
    assertTrue(Files.exists(out.resolve("final").resolve("model.safetensors")));
    assertTrue(TrainCommand.HELP.contains("CachedGISTEmbedLoss") && TrainCommand.HELP.contains("balance_tasks"));
  }
}
