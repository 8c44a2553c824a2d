package dev.embed4j.bench;

import dev.embed4j.engine.cpu.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of handing work to the pool: one {@code Parallel.forRange} over two threads whose chunks do
 * {@code work} trivial additions each (0: the bare round trip). {@code embed4j} waits as shipped (spinning
 * up to 50 µs before parking); {@code twin_parkAtOnce} is the same code with {@code -Dembed4j.spinMicros=0},
 * which parks at once and is woken through the kernel, as the pool did before it spun.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParallelBenchmark {
  @Param({"0", "10000"})
  public int work;

  private final long[] sink = new long[2];

  @Setup
  public void setup() {
    Parallel.setThreads(2);
  }

  private long handOff() {
    int w = work;
    Parallel.forRange(2, 1, (lo, hi) -> {
      long s = lo;
      for (int i = 0; i < w; i++) s += i ^ s;
      sink[lo] = s;
    });
    return sink[0] + sink[1];
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
  public long embed4j() {
    return handOff();
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dembed4j.spinMicros=0"})
  public long twin_parkAtOnce() {
    return handOff();
  }
}
