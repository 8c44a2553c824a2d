package dev.embed4j.bench;

import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.ElementwiseKernels;
import dev.embed4j.engine.cpu.reference.ElementwiseReference;
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
 * Exact (erf) GELU over a BERT feed-forward activation of 4096 tokens × 1536, forward and backward
 * ({@code pass}). {@code embed4j} is the Vector API kernel (erfc polynomial and vector exp) on the shared
 * pool, {@code twin_scalar} the scalar twin (double erf) on one thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GeluBenchmark {
  @Param({"6291456"})
  public int n;

  @Param({"forward", "backward"})
  public String pass;

  float[] x, y, gy, gx;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(42);
    x = new float[n];
    gy = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble(-4, 4);
      gy[i] = (float) r.nextDouble(-1, 1);
    }
    y = new float[n];
    gx = new float[n];
  }

  @Benchmark
  public float[] embed4j() {
    if (pass.equals("forward")) {
      ElementwiseKernels.unary(UnaryOp.GELU, 0f, x, 0, y, 0, n);
      return y;
    }
    ElementwiseKernels.unaryBackward(UnaryOp.GELU, 0f, x, y, gy, gx, n);
    return gx;
  }

  @Benchmark
  public float[] twin_scalar() {
    if (pass.equals("forward")) {
      ElementwiseReference.unary(UnaryOp.GELU, 0f, x, 0, y, 0, n);
      return y;
    }
    ElementwiseReference.unaryBackward(UnaryOp.GELU, 0f, x, y, gy, gx, n);
    return gx;
  }
}
