package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
  @TempDir Path dir;

  @Test
  void metricsAreAppendedAsJsonLines() throws Exception {
    Path log = dir.resolve("metrics.jsonl");
    try (MetricsLog m = new MetricsLog(log)) {
      for (int s = 1; s <= 30; s++) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("step", s);
        r.put("loss/retrieval", 3.0 / s);
        r.put("loss/symmetric", 2.0 / s + 0.1);
        r.put("lr", 1e-4);
        if (s % 10 == 0) r.put("eval_mrr@10", 0.5 + s / 100.0);
        m.log(r);
      }
    }
    List<Map<String, Object>> back = MetricsLog.read(log);
    assertEquals(30, back.size());
    assertEquals(1.5, ((Number) back.get(1).get("loss/retrieval")).doubleValue(), 1e-12);
  }
}
