package dev.embed4j.bench;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
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
 * The fused fully connected layer against the same function as separate ops, forward with gradients recorded (as
 * in training), on one data-parallel part of a 128-token step (2048 rows): {@code intermediate} is BERT's
 * GELU(x·Wᵀ + b), 384 → 1536 ({@code Functional.linearGelu}, keeping GELU'); {@code output} is
 * dropout(x·Wᵀ + b) + residual, 1536 → 384, dropout 0.1 ({@code Functional.linearDropoutAdd}). {@code embed4j} is
 * the fused op (bias, activation, dropout and residual in the GEMM's epilogue); {@code twin_unfused} is matmul, add,
 * GELU or dropout and add, each its own pass. Same bits either way (LinearTest). Every call allocates its outputs
 * (12.6 MB a tensor for the intermediate layer), as training does, so a fixed 4 GB heap keeps the collector's work
 * alike on both sides.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Xms4g", "-Xmx4g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class LinearBenchmark {
  @Param({"intermediate", "output"})
  public String layer;

  @Param({"2048"})
  public int rows;

  Tensor x, w, b, residual;

  @Setup
  public void setup() {
    boolean up = layer.equals("intermediate");
    int in = up ? 384 : 1536, out = up ? 1536 : 384;
    SplittableRandom r = new SplittableRandom(3);
    x = Tensor.of(random(r, rows * in), rows, in).requiresGrad(true);
    w = Tensor.of(random(r, out * in), out, in).requiresGrad(true);
    b = Tensor.of(random(r, out), out).requiresGrad(true);
    residual = Tensor.of(random(r, rows * out), rows, out).requiresGrad(true);
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-1, 1);
    return a;
  }

  @Benchmark
  public Tensor embed4j() {
    return layer.equals("intermediate") ? Functional.linearGelu(x, w, b)
        : Functional.linearDropoutAdd(x, w, b, 0.1f, new Generator(7), residual);
  }

  @Benchmark
  public Tensor twin_unfused() {
    Tensor z = x.matmul(w.t()).add(b);
    return layer.equals("intermediate") ? z.gelu() : Functional.dropout(z, 0.1f, new Generator(7)).add(residual);
  }
}
