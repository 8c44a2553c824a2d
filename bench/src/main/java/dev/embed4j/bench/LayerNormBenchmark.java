package dev.embed4j.bench;

import dev.embed4j.engine.cpu.LayerNormKernels;
import dev.embed4j.engine.cpu.reference.LayerNormReference;
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
 * LayerNorm over rows × cols activations (BERT-base width 384 and its FFN width 1536, 4096 tokens):
 * forward only, and forward then backward ({@code pass}). {@code embed4j} is the Vector API kernel on the
 * shared thread pool, {@code twin_scalar} its scalar twin in double on one thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LayerNormBenchmark {
  @Param({"4096x384", "4096x1536"})
  public String shape;

  @Param({"forward", "forward+backward"})
  public String pass;

  int rows, cols;
  float[] x, gamma, beta, y, mean, rstd, gy, gx, gGamma, gBeta;

  @Setup
  public void setup() {
    String[] p = shape.split("x");
    rows = Integer.parseInt(p[0]);
    cols = Integer.parseInt(p[1]);
    SplittableRandom r = new SplittableRandom(42);
    x = random(r, rows * cols);
    gy = random(r, rows * cols);
    gamma = random(r, cols);
    beta = random(r, cols);
    y = new float[rows * cols];
    gx = new float[rows * cols];
    mean = new float[rows];
    rstd = new float[rows];
    gGamma = new float[cols];
    gBeta = new float[cols];
  }

  static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-2, 2);
    return a;
  }

  @Benchmark
  public float[] embed4j() {
    LayerNormKernels.forward(x, gamma, beta, y, mean, rstd, rows, cols, 1e-12f);
    if (pass.equals("forward+backward")) {
      LayerNormKernels.backward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta, rows, cols);
    }
    return y;
  }

  @Benchmark
  public float[] twin_scalar() {
    LayerNormReference.forward(x, gamma, beta, y, mean, rstd, rows, cols, 1e-12f);
    if (pass.equals("forward+backward")) {
      LayerNormReference.backward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta, rows, cols);
    }
    return y;
  }
}
