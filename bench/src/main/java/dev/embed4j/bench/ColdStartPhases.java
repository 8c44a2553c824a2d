package dev.embed4j.bench;

import dev.embed4j.model.SentenceEncoder;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One cold start taken apart (not JMH: a run is one fresh JVM): the time from the JVM's start to {@code main},
 * {@code SentenceEncoder.defaultModel()}, the first {@code encode} of the 512 WordNet sentences of
 * {@link ColdStartBenchmark}, the wall time from the JVM's start (less the reading of the sentences, which is not
 * counted), the process CPU time (which counts it), and optionally the next encodes. On Linux, each phase also
 * gives the CPU time of the compiler threads, of the garbage collector's and of all others ({@link ThreadCpu}; run
 * with {@code -XX:-UseDynamicNumberOfCompilerThreads} so that none ends uncounted). It uses only the library's public
 * API, so the same class runs against another build's class path: {@code java --add-modules jdk.incubator.vector -cp
 * bench/target/benchmarks.jar dev.embed4j.bench.ColdStartPhases [LABEL] [LATER]}, alternating two builds in turn to
 * compare them (bench/RESULTS.md, issue 16); the label names the run. Two labels run something else. {@code
 * onnxruntime} runs the peer of {@link ColdStartBenchmark}: ONNX Runtime from creating its session, whose set-up and
 * encode are one phase. {@code trainingstep} runs the training steps of {@link FirstTrainingStepBenchmark} (its
 * set-up, which also reads sentences, is the load phase), each later phase one more step.
 */
public final class ColdStartPhases {
  private ColdStartPhases() {}

  public static void main(String[] args) throws Exception {
    String label = args.length > 0 ? args[0] : "embed4j";
    int later = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    long toMain = ManagementFactory.getRuntimeMXBean().getUptime();
    long r0 = System.nanoTime();
    // the reading of sentences is not counted, as in ColdStartBenchmark; the training steps read theirs in their
    // set-up, which is their load phase
    ColdStartBenchmark peer = new ColdStartBenchmark();
    List<String> texts = List.of();
    switch (label) {
      case "onnxruntime" -> peer.setUp(); // reads the sentences, finds the model folder
      case "trainingstep" -> {}
      default -> texts = WordNetSentences.sample(512);
    }
    long reading = Math.round((System.nanoTime() - r0) / 1e6);
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s: to main %d ms", label, toMain));
    Runnable run;
    switch (label) {
      case "onnxruntime" -> {
        run = () -> call(peer::peer_onnxruntime);
        phase(out, "session + first encode", run);
      }
      case "trainingstep" -> {
        FirstTrainingStepBenchmark training = new FirstTrainingStepBenchmark();
        phase(out, "load", () -> call(() -> {
          training.setUp();
          return training;
        }));
        run = training::embed4j;
        phase(out, "first step", run);
      }
      default -> {
        List<String> sentences = texts;
        SentenceEncoder[] model = new SentenceEncoder[1];
        phase(out, "load", () -> model[0] = call(SentenceEncoder::defaultModel));
        run = () -> model[0].encode(sentences);
        phase(out, "first encode", run);
      }
    }
    long wall = ManagementFactory.getRuntimeMXBean().getUptime() - reading;
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    out.append(String.format(Locale.ROOT, ", wall %d ms, cpu %.0f ms", wall, os.getProcessCpuTime() / 1e6));
    for (int i = 0; i < later; i++) phase(out, i == 0 ? "later" : "", run);
    System.out.println(out);
  }

  /** Runs {@code body}, appending its wall time and, where known, the CPU time of compiler, GC and other threads. */
  private static void phase(StringBuilder out, String name, Runnable body) {
    Optional<ThreadCpu> c0 = ThreadCpu.now();
    long t0 = System.nanoTime();
    body.run();
    long t1 = System.nanoTime();
    out.append(name.isEmpty() ? " " : ", " + name + " ").append(Math.round((t1 - t0) / 1e6));
    ThreadCpu.now().flatMap(c1 -> c0.map(c1::minus)).ifPresent(d -> out.append(String.format(Locale.ROOT,
        " (cpu: compiler %d, gc %d, other %d)", d.compilerNanos() / 1_000_000, d.gcNanos() / 1_000_000,
        d.otherNanos() / 1_000_000)));
  }

  private interface Call<T> {
    T get() throws Exception;
  }

  private static <T> T call(Call<T> c) {
    try {
      return c.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
