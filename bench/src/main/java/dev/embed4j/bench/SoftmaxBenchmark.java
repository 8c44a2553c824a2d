package dev.embed4j.bench;

import dev.embed4j.engine.cpu.SoftmaxKernels;
import dev.embed4j.engine.cpu.reference.SoftmaxReference;
import java.util.SplittableRandom;
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
 * Row-wise softmax forward: 4096 rows of 128 (attention scores of a short sequence) and 1536 × 1536 (a
 * contrastive batch's similarity matrix). {@code embed4j} is the Vector API kernel on the shared pool,
 * {@code twin_scalar} the scalar twin (double, {@code Math.exp}) on one thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SoftmaxBenchmark {
  @Param({"4096x128", "1536x1536"})
  public String shape;

  int rows, cols;
  float[] x, y;

  @Setup
  public void setup() {
    String[] p = shape.split("x");
    rows = Integer.parseInt(p[0]);
    cols = Integer.parseInt(p[1]);
    SplittableRandom r = new SplittableRandom(42);
    x = new float[rows * cols];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-8, 8);
    y = new float[rows * cols];
  }

  @Benchmark
  public float[] embed4j() {
    SoftmaxKernels.softmax(x, y, rows, cols, false);
    return y;
  }

  @Benchmark
  public float[] twin_scalar() {
    SoftmaxReference.softmax(x, y, rows, cols, false);
    return y;
  }
}
