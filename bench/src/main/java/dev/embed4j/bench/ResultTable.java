package dev.embed4j.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;

/**
 * The summary BenchMain prints last: one row per benchmark class and parameter set, each method's score,
 * and the ratios of times other/embed4j (embed4j/other of throughputs), so that above 1 always means embed4j
 * is faster. Benchmark methods say what they are compared with by their names:
 * <ul>
 *   <li>{@code peer_X}: a peer, what a user would otherwise pick (OpenBLAS, ONNX Runtime, langchain4j, the
 *       Hugging Face tokenizers library); its ratio is in the column {@code X/embed4j};</li>
 *   <li>{@code twin_X}: the project's own slow twin of the same computation (the scalar kernel, the unfused
 *       ops, the materialised loss, the same code without spinning): the fast path's gain over its
 *       reference, not a standing among peers; its ratio is in a column {@code twin X/embed4j}, after the
 *       peers';</li>
 *   <li>anything else ({@code kernelAlone}, {@code bound_X}): a score without a ratio.</li>
 * </ul>
 * Rows of a benchmark with a {@code shape} parameter "MxKxN" (the GEMM) also get GFLOP/s, 2·M·K·N / time, for
 * every method.
 */
final class ResultTable {
  private static final Pattern GEMM_SHAPE = Pattern.compile("(\\d+)x(\\d+)x(\\d+)");

  private ResultTable() {}

  static final String PEER = "peer_", TWIN = "twin_";

  record Score(double value, double error, String unit) {}

  static void print(Collection<RunResult> results, Map<String, String> extras, PrintStream out) {
    // row key → (method → score), rows in first-seen order, methods embed4j first then peers
    Map<String, Map<String, Score>> rows = new LinkedHashMap<>();
    Map<String, String> rowShape = new LinkedHashMap<>();
    List<String> methods = new ArrayList<>();
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      String full = p.getBenchmark();
      int dot = full.lastIndexOf('.');
      String cls = full.substring(full.lastIndexOf('.', dot - 1) + 1, dot), method = full.substring(dot + 1);
      Map<String, String> params = new TreeMap<>();
      for (String key : p.getParamsKeys()) params.put(key, p.getParam(key));
      StringBuilder key = new StringBuilder(cls.replaceFirst("Benchmark$", ""));
      params.forEach((k, v) -> key.append(' ').append(k).append('=').append(v));
      var primary = r.getPrimaryResult();
      rows.computeIfAbsent(key.toString(), x -> new LinkedHashMap<>())
          .put(method, new Score(primary.getScore(), primary.getScoreError(), primary.getScoreUnit()));
      if (params.containsKey("shape") && GEMM_SHAPE.matcher(params.get("shape")).matches()) {
        rowShape.put(key.toString(), params.get("shape"));
      }
      if (!methods.contains(method)) methods.add(method);
    }
    List<List<String>> table = table(rows, rowShape, methods);
    int[] width = new int[table.get(0).size()];
    for (List<String> r : table) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
    out.println("ratios: peer time / embed4j time (above 1: embed4j is faster); a 'twin' column is the project's own slow"
        + " twin, not a peer");
    for (int t = 0; t < table.size(); t++) {
      List<String> r = table.get(t);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        String cell = r.get(i);
        line.append(i == 0 ? String.format("%-" + width[i] + "s", cell) : String.format("  %" + width[i] + "s", cell));
      }
      out.println(line.toString().stripTrailing());
      if (t == 0) out.println("-".repeat(line.length()));
    }
    extras.forEach((k, v) -> out.println(k + ": " + v));
    printFirstIterations(results, out);
  }

  /**
   * The table's cells, header first: the benchmark, each method's score (embed4j first), the peers' ratios,
   * then the twins' ratios, and GFLOP/s where a row has a GEMM shape.
   */
  static List<List<String>> table(Map<String, Map<String, Score>> rows, Map<String, String> rowShape,
      List<String> methodsSeen) {
    List<String> methods = new ArrayList<>(methodsSeen);
    methods.sort((x, y) -> x.equals("embed4j") ? -1 : y.equals("embed4j") ? 1 : x.compareTo(y));
    List<String> compared = new ArrayList<>(methods.stream().filter(m -> m.startsWith(PEER)).toList());
    compared.addAll(methods.stream().filter(m -> m.startsWith(TWIN)).toList());
    boolean anyFlops = !rowShape.isEmpty();

    List<String> header = new ArrayList<>(List.of("benchmark"));
    for (String m : methods) header.add(m);
    for (String other : compared) header.add((other.startsWith(TWIN) ? "twin " : "") + label(other) + "/embed4j");
    if (anyFlops) for (String m : methods) header.add("GFLOP/s " + label(m));
    List<List<String>> table = new ArrayList<>();
    table.add(header);
    for (var row : rows.entrySet()) {
      Map<String, Score> scores = row.getValue();
      List<String> cells = new ArrayList<>(List.of(row.getKey()));
      for (String m : methods) {
        Score s = scores.get(m);
        cells.add(s == null ? "-" : Double.isNaN(s.error)
            ? String.format(Locale.ROOT, "%.4g %s", s.value, s.unit)
            : String.format(Locale.ROOT, "%.4g ± %.2g %s", s.value, s.error, s.unit));
      }
      Score ours = scores.get("embed4j");
      for (String other : compared) {
        Score s = scores.get(other);
        if (ours == null || s == null) {
          cells.add("-");
        } else {
          boolean throughput = s.unit.startsWith("ops/");
          double ratio = throughput ? ours.value / s.value : s.value / ours.value;
          cells.add(String.format(Locale.ROOT, "%.2f", ratio));
        }
      }
      if (anyFlops) {
        String shape = rowShape.get(row.getKey());
        for (String m : methods) {
          Score s = scores.get(m);
          double seconds = s == null ? Double.NaN : secondsPerOp(s);
          cells.add(shape == null || Double.isNaN(seconds) ? "-"
              : String.format(Locale.ROOT, "%.1f", flops(shape) / seconds / 1e9));
        }
      }
      table.add(cells);
    }
    return table;
  }

  /**
   * For single-shot benchmarks of several iterations per fork (a fresh JVM's first operations, no warm-up): the
   * first iteration's time, the median of each fork's last three, and their ratio, over the forks. A single-shot
   * benchmark of one iteration per fork is a cold start whole and needs no such line.
   */
  static void printFirstIterations(Collection<RunResult> results, PrintStream out) {
    boolean header = false;
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      if (p.getMode() != org.openjdk.jmh.annotations.Mode.SingleShotTime || p.getMeasurement().getCount() < 4) continue;
      List<Double> first = new ArrayList<>(), late = new ArrayList<>();
      String unit = r.getPrimaryResult().getScoreUnit();
      for (var fork : r.getBenchmarkResults()) {
        List<Double> its = new ArrayList<>();
        for (var it : fork.getIterationResults()) its.add(it.getPrimaryResult().getScore());
        if (its.size() < 4) continue;
        first.add(its.get(0));
        late.add(median(its.subList(its.size() - 3, its.size())));
      }
      if (first.isEmpty()) continue;
      if (!header) {
        out.println();
        out.println("first iteration of a fresh JVM against its last three (median), per fork:");
        header = true;
      }
      StringBuilder line = new StringBuilder(p.getBenchmark().replaceFirst("^.*\\.(\\w+)\\.(\\w+)$", "$1.$2"));
      for (int i = 0; i < first.size(); i++) {
        line.append(String.format(Locale.ROOT, "  fork %d: %.4g / %.4g %s = %.2f", i + 1, first.get(i), late.get(i), unit,
            first.get(i) / late.get(i)));
      }
      out.println(line);
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String label(String method) {
    return method.startsWith(PEER) ? method.substring(PEER.length())
        : method.startsWith(TWIN) ? method.substring(TWIN.length()) : method;
  }

  private static double flops(String shape) {
    Matcher m = GEMM_SHAPE.matcher(shape);
    if (!m.matches()) return Double.NaN;
    return 2.0 * Double.parseDouble(m.group(1)) * Double.parseDouble(m.group(2)) * Double.parseDouble(m.group(3));
  }

  /** Seconds per operation from an average-time score ("ms/op", "us/op"...); NaN for other units. */
  private static double secondsPerOp(Score s) {
    if (!s.unit.endsWith("/op")) return Double.NaN;
    double scale = switch (s.unit.substring(0, s.unit.length() - 3)) {
      case "s" -> 1;
      case "ms" -> 1e-3;
      case "us" -> 1e-6;
      case "ns" -> 1e-9;
      default -> Double.NaN;
    };
    return s.value * scale;
  }
}
