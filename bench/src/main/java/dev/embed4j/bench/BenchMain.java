package dev.embed4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the JMH benchmarks of this jar by short name and prints a table of ratios.
 *
 * <pre>
 * java -jar benchmarks.jar NAME [NAME...] [--quick] [--json FILE] [jmh args...]
 * </pre>
 *
 * NAME matches a benchmark class's simple name, case-insensitively, with or without its
 * {@code Benchmark} suffix ({@code gemm} → GemmBenchmark). With no NAME it lists them. Results go to
 * JSON ({@code bench/results/NAME-TIMESTAMP.json} unless {@code --json} says where) and, last, a table:
 * one row per class and parameter set with each method's score, and for every {@code peer_X} method (a
 * peer: OpenBLAS, ONNX Runtime, langchain4j, Hugging Face tokenizers) and then every {@code twin_X} method
 * (the project's own slow twin) the ratio that reads "above 1 means embed4j is faster" ({@link ResultTable}). {@code --quick} makes a smoke run (1 short warm-up
 * and 2 short measurements); any other argument goes to JMH ({@code -p shape=384x384x384}, {@code -f 0}).
 *
 * <p>OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads, and an environment that sets
 * them to an older core would make the peer run a slower kernel than this CPU allows. JMH forks inherit
 * this process's environment and cannot unset variables, so when either is set this class runs itself
 * again in a child JVM whose environment lacks them.
 */
public final class BenchMain {
  static final List<String> OPENBLAS_OVERRIDES = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");
  private static final String REEXEC_MARK = "EMBED4J_BENCH_CLEAN_ENV";

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (needsCleanEnvironment()) System.exit(rerunWithoutOpenblasOverrides(args));

    List<String> names = new ArrayList<>(), jmhArgs = new ArrayList<>();
    boolean quick = false;
    String json = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--quick")) {
        quick = true;
      } else if (arg.equals("--json")) {
        if (i + 1 == args.length) throw new IllegalArgumentException("--json needs a file name");
        json = args[++i];
      } else if (arg.startsWith("-")) {
        // a JMH option and, unless it is a flag, its value
        jmhArgs.add(arg);
        if (i + 1 < args.length && !args[i + 1].startsWith("-") && takesValue(arg)) jmhArgs.add(args[++i]);
      } else {
        names.add(arg);
      }
    }

    Map<String, String> classes = benchmarkClasses();
    if (names.isEmpty()) {
      System.out.println("usage: java -jar benchmarks.jar NAME [NAME...] [--quick] [--json FILE] [jmh args...]");
      System.out.println("benchmarks:");
      classes.forEach((shortName, fqcn) -> System.out.println("  " + shortName + "  (" + fqcn + ")"));
      return;
    }
    List<String> selected = new ArrayList<>();
    for (String name : names) {
      String fqcn = classes.get(shortName(name));
      if (fqcn == null) {
        throw new IllegalArgumentException("no benchmark named '" + name + "'; known: " + classes.keySet());
      }
      selected.add(fqcn);
    }

    CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
    OptionsBuilder options = new OptionsBuilder();
    options.parent(cli);
    for (String fqcn : selected) options.include("^" + Pattern.quote(fqcn + ".") + "\\w+$");
    if (quick) {
      if (!cli.getWarmupIterations().hasValue()) options.warmupIterations(1);
      if (!cli.getWarmupTime().hasValue()) options.warmupTime(TimeValue.milliseconds(300));
      if (!cli.getMeasurementIterations().hasValue()) options.measurementIterations(2);
      if (!cli.getMeasurementTime().hasValue()) options.measurementTime(TimeValue.milliseconds(500));
    }
    Path out = json != null ? Path.of(json) : Path.of("bench", "results", String.join("-", names).toLowerCase(
        Locale.ROOT) + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
    if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
    options.resultFormat(ResultFormatType.JSON).result(out.toString());

    Collection<RunResult> results = new Runner(options.build()).run();
    Map<String, String> extras = new LinkedHashMap<>();
    if (selected.contains(GemmBenchmark.class.getName())) {
      // the forks share this process's environment, so the core OpenBLAS picks here is theirs
      extras.put("OpenBLAS core", GemmBenchmark.openblasCore());
    }
    System.out.println();
    System.out.println("results: " + out);
    ResultTable.print(results, extras, System.out);
  }

  private static boolean takesValue(String option) {
    // JMH's flags without a value; every other JMH option takes one
    return !List.of("-h", "-l", "-lp", "-lrf", "-lprof").contains(option) && !option.contains("=");
  }

  /** "gemm", "GEMM", "GemmBenchmark" → "gemm". */
  static String shortName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith("benchmark") ? lower.substring(0, lower.length() - "benchmark".length()) : lower;
  }

  /** Short name → fully qualified class of every benchmark in this jar's JMH list. */
  static Map<String, String> benchmarkClasses() {
    var entries = BenchmarkList.defaultList().getAll(
        OutputFormatFactory.createFormatInstance(new PrintStream(PrintStream.nullOutputStream()),
            VerboseMode.SILENT), List.of());
    Map<String, String> byName = new LinkedHashMap<>();
    for (String fqcn : new TreeSet<>(entries.stream().map(BenchmarkListEntry::getUserClassQName).toList())) {
      byName.put(shortName(fqcn.substring(fqcn.lastIndexOf('.') + 1)), fqcn);
    }
    return byName;
  }

  private static boolean needsCleanEnvironment() {
    if (System.getenv(REEXEC_MARK) != null) return false;
    return OPENBLAS_OVERRIDES.stream().anyMatch(v -> System.getenv(v) != null);
  }

  /** Runs this main again in a child JVM without the OpenBLAS overrides; returns its exit status. */
  private static int rerunWithoutOpenblasOverrides(String[] args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchMain.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    for (String v : OPENBLAS_OVERRIDES) {
      if (System.getenv(v) == null) continue;
      System.err.println("[bench] " + v + "=" + System.getenv(v) + " removed so that OpenBLAS picks its own core");
      pb.environment().remove(v);
    }
    pb.environment().put(REEXEC_MARK, "1");
    return pb.start().waitFor();
  }
}
