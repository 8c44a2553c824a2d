package dev.embed4j.bench;

import dev.embed4j.engine.cpu.FlashAttention;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.engine.cpu.reference.AttentionReference;
import java.util.Random;
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
 * Fused attention, {@link FlashAttention} against its materialised double-precision twin
 * {@link AttentionReference}, on BERT-mini (batch 32, 12 heads, seq 128, head dim 32) and a longer,
 * wider shape, without a mask. Work per forward: 4·B·H·S²·D flops (0.8 GFLOP for 32×12×128×32); the
 * backward adds 10·B·H·S²·D. The reference is single-threaded, so the kernel runs on {@code threads}
 * threads (1 by default: a kernel-for-kernel comparison; {@code -p threads=N} to see the scaling).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBenchmark {
  /** batch × heads × seq × dim. */
  @Param({"32x12x128x32", "8x12x256x64"})
  public String shape;

  @Param({"forward", "forward+backward"})
  public String pass;

  @Param({"1"})
  public int threads;

  private int batch, heads, seq, dim;
  private float scale;
  private boolean backward;
  private float[] q, k, v, gOut, out, lse, gq, gk, gv;

  @Setup
  public void setUp() {
    String[] p = shape.split("x");
    batch = Integer.parseInt(p[0]);
    heads = Integer.parseInt(p[1]);
    seq = Integer.parseInt(p[2]);
    dim = Integer.parseInt(p[3]);
    scale = (float) (1 / Math.sqrt(dim));
    backward = pass.equals("forward+backward");
    int n = batch * heads * seq * dim;
    Random rnd = new Random(42);
    q = gaussian(rnd, n);
    k = gaussian(rnd, n);
    v = gaussian(rnd, n);
    gOut = gaussian(rnd, n);
    out = new float[n];
    lse = new float[batch * heads * seq];
    gq = new float[n];
    gk = new float[n];
    gv = new float[n];
    Parallel.setThreads(threads);
  }

  @Benchmark
  public float[] embed4j() {
    FlashAttention.forward(q, k, v, null, out, lse, batch, heads, seq, seq, dim, scale);
    if (backward) FlashAttention.backward(q, k, v, null, out, lse, gOut, gq, gk, gv, batch, heads, seq, seq, dim, scale);
    return backward ? gq : out;
  }

  @Benchmark
  public float[] twin_scalar() {
    AttentionReference.forward(q, k, v, null, out, lse, batch, heads, seq, seq, dim, scale);
    if (backward) AttentionReference.backward(q, k, v, null, gOut, gq, gk, gv, batch, heads, seq, seq, dim, scale);
    return backward ? gq : out;
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
    return x;
  }
}
