package dev.embed4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.bench.ResultTable.Score;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary table: peers' ratios in their own columns, the project's twins' apart and labelled as twins. */
class ResultTableTest {
  private static Score ms(double v) {
    return new Score(v, Double.NaN, "ms/op");
  }

  @Test
  void twinsAreLabelledAndKeptOutOfThePeerColumns() {
    Map<String, Map<String, Score>> rows = new LinkedHashMap<>();
    rows.put("Encode", Map.of("embed4j", ms(10), "peer_onnxruntime", ms(15), "kernelAlone", ms(8)));
    rows.put("Softmax", Map.of("embed4j", ms(2), "twin_scalar", ms(10)));
    List<List<String>> table = ResultTable.table(rows, Map.of(),
        List.of("twin_scalar", "peer_onnxruntime", "kernelAlone", "embed4j"));
    assertEquals(List.of("benchmark", "embed4j", "kernelAlone", "peer_onnxruntime", "twin_scalar",
        "onnxruntime/embed4j", "twin scalar/embed4j"), table.get(0));
    assertEquals(List.of("1.50", "-"), table.get(1).subList(5, 7));
    assertEquals(List.of("-", "5.00"), table.get(2).subList(5, 7));
  }

  @Test
  void throughputsAreInvertedSoThatAboveOneStillMeansEmbed4jIsFaster() {
    Map<String, Map<String, Score>> rows = Map.of("Tokenizer",
        Map.of("embed4j", new Score(300, 1, "ops/s"), "peer_huggingface", new Score(100, 1, "ops/s")));
    List<List<String>> table = ResultTable.table(rows, Map.of(), List.of("embed4j", "peer_huggingface"));
    assertEquals("huggingface/embed4j", table.get(0).get(3));
    assertEquals("3.00", table.get(1).get(3));
  }
}
