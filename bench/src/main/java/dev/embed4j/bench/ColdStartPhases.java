package dev.embed4j.bench;

import dev.embed4j.model.SentenceEncoder;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * One cold start taken apart (not JMH: a run is one fresh JVM): the time from the JVM's start to {@code main},
 * {@code SentenceEncoder.defaultModel()}, the first {@code encode} of the 512 WordNet sentences of
 * {@link ColdStartBenchmark}, the wall time from the JVM's start (less the reading of the sentences, which is not
 * counted), the process CPU time (which counts it), and optionally the next
 * encodes. It uses only the library's public API, so the same class runs against another build's class path:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.embed4j.bench.ColdStartPhases
 * [LABEL] [LATER]}, alternating two builds in turn to compare them (bench/RESULTS.md, issue 16).
 */
public final class ColdStartPhases {
  private ColdStartPhases() {}

  public static void main(String[] args) throws Exception {
    String label = args.length > 0 ? args[0] : "embed4j";
    int later = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    long toMain = ManagementFactory.getRuntimeMXBean().getUptime();
    long r0 = System.nanoTime();
    List<String> texts = WordNetSentences.sample(512); // not counted, as in ColdStartBenchmark
    long reading = Math.round((System.nanoTime() - r0) / 1e6);
    long t0 = System.nanoTime();
    SentenceEncoder model = SentenceEncoder.defaultModel();
    long t1 = System.nanoTime();
    model.encode(texts);
    long t2 = System.nanoTime();
    long wall = ManagementFactory.getRuntimeMXBean().getUptime() - reading;
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    StringBuilder next = new StringBuilder();
    for (int i = 0; i < later; i++) {
      long s = System.nanoTime();
      model.encode(texts);
      next.append(i == 0 ? ", later encodes " : " ").append(Math.round((System.nanoTime() - s) / 1e6));
    }
    System.out.printf(Locale.ROOT, "%s: to main %d ms, load %.0f, first encode %.0f, wall %d ms, cpu %.0f ms%s%n", label,
        toMain, (t1 - t0) / 1e6, (t2 - t1) / 1e6, wall, os.getProcessCpuTime() / 1e6, next);
  }
}
