package dev.embed4j.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainEvalCommandTest {
  @TempDir Path dir;

  private static CliRun main(String... args) {
    return CliRun.of(args);
  }

  private Path tinyModel() throws Exception {
    SentenceEncoder enc = TinyModels.encoder(Pooling.mean(), true, 3);
    Path m = dir.resolve("model");
    enc.save(m);
    return m;
  }

  private Path pairs(String name, int n) throws Exception {
    StringBuilder sb = new StringBuilder();
    String[] w = {"cat", "dog", "tree", "river", "stone", "cloud", "bread", "lamp", "road", "bird", "snow", "coffee"};
    for (int i = 0; i < n; i++) {
      sb.append("{\"anchor\": \"what is a ").append(w[i % w.length]).append(' ').append(i)
          .append("\", \"positive\": \"a ").append(w[i % w.length]).append(" described ").append(i).append("\"}\n");
    }
    Path p = dir.resolve(name);
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void trainFromAYamlConfigThenEvaluateTheResult() throws Exception {
    Path model = tinyModel();
    pairs("ret.jsonl", 24);
    pairs("sym.jsonl", 16);
    Path out = dir.resolve("run");
    Path config = dir.resolve("train.yaml");
    Files.writeString(config, """
        model: %s
        output: %s
        datasets:
          - name: retrieval
            path: ret.jsonl
            loss: MultipleNegativesRankingLoss
            prompts: {anchor: "query: "}
          - name: symmetric
            path: sym.jsonl
            loss: {type: CachedMultipleNegativesSymmetricRankingLoss, mini_batch_size: 4}
        sampler: round_robin
        batch_size: 8
        max_steps: 3
        checkpoint_every: 2
        max_seq_length: 32
        """.formatted(model, out));
    CliRun r = main("train", config.toString());
    assertEquals(0, r.status(), r.err() + r.out());
    assertTrue(Files.exists(out.resolve("final").resolve("model.safetensors")));
    assertTrue(Files.exists(out.resolve("checkpoint-2").resolve("optimizer.safetensors")));
    assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());

    CliRun e = main("eval", "--model", out.resolve("final").toString(), "--data", dir.resolve("ret.jsonl").toString(),
        "--query-prompt", "query: ");
    assertEquals(0, e.status(), e.err());
    assertTrue(e.out().contains("ret_cosine_mrr@10") && e.out().contains("ret_cosine_ndcg@10"), e.out());
  }

  @Test
  void aWrongConfigNamesTheKeyAndWhatWasExpected() throws Exception {
    pairs("ret.jsonl", 8);
    Path config = dir.resolve("bad.json");
    Files.writeString(config, "{\"datasets\": [{\"path\": \"ret.jsonl\", \"loss\": \"BatchHardTripletLoss\"}], \"batch_size\": 8}");
    CliRun r = main("train", config.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("datasets[0].loss") && r.err().contains("BatchHardTripletLoss") && r.err().contains("MultipleNegativesRankingLoss"), r.err());

    Files.writeString(config, "{\"datasets\": [{\"path\": \"ret.jsonl\", \"loss\": \"CoSENTLoss\"}], \"batch_sise\": 8}");
    r = main("train", config.toString());
    assertTrue(r.err().contains("unknown key 'batch_sise'") && r.err().contains("batch_size"), r.err());

    Files.writeString(config, "{\"datasets\": [{\"path\": \"ret.jsonl\", \"loss\": \"CoSENTLoss\"}], \"batch_size\": \"big\"}");
    r = main("train", config.toString());
    assertTrue(r.err().contains("'batch_size' must be an integer"), r.err());

    assertEquals(2, main("train").status());
    assertTrue(main("demo", "--help").out().contains("--max-steps"));
    assertEquals(2, main("demo", "--max-steps", "many").status());
  }
}
