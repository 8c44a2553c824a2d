package dev.embed4j.bench;

import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * C = A·B (row-major, no transposes, beta = 0) with the active embed4j GEMM ({@code packed} unless
 * {@code -Dembed4j.gemm} says otherwise) against OpenBLAS {@code cblas_sgemm} on the same shapes and
 * thread count. Shapes are M×K×N: the encoder's projections at 4096 tokens (hidden 384, FFN 1536), a
 * square 2048, and a small square. OpenBLAS works on off-heap copies of the same data, so neither side
 * pays for JNI array copies; {@link BenchMain} clears OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE so that
 * OpenBLAS picks its kernel for this CPU ({@link #openblasCore()} reports which).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {
  @Param({"4096x384x384", "4096x384x1536", "4096x1536x384", "2048x2048x2048", "384x384x384"})
  public String shape;

  @Param({"1", "2"})
  public String threads;

  /** The GEMM variant by its registered name: {@code -p gemm=packed,reference} puts variants side by side. */
  @Param({"packed"})
  public String gemm;

  private int m, k, n;
  private float[] a, b, c;
  private GemmKernel kernel;
  private FloatPointer pa, pb, pc;

  /** The core OpenBLAS chose (e.g. "Zen", "Haswell"), as it reports it. */
  public static String openblasCore() {
    return openblas_full.openblas_get_corename().getString().trim();
  }

  /** M, K and N of a shape "MxKxN". */
  public static int[] dims(String shape) {
    String[] p = shape.split("x");
    if (p.length != 3) throw new IllegalArgumentException("shape must be MxKxN, got '" + shape + "'");
    return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
  }

  @Setup(Level.Trial)
  public void setUp() {
    int[] d = dims(shape);
    m = d[0];
    k = d[1];
    n = d[2];
    int t = Integer.parseInt(threads);
    Parallel.setThreads(t);
    openblas_full.openblas_set_num_threads(t);
    kernel = GemmKernels.byName(gemm);
    System.out.println("# embed4j GEMM: " + kernel.name() + ", OpenBLAS core: " + openblasCore() + ", threads: " + t);
    SplittableRandom rnd = new SplittableRandom(1234);
    a = new float[m * k];
    b = new float[k * n];
    c = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
    for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() * 2 - 1);
    pa = new FloatPointer(a);
    pb = new FloatPointer(b);
    pc = new FloatPointer(c);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pa.close();
    pb.close();
    pc.close();
  }

  @Benchmark
  public float[] embed4j() {
    kernel.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
    return c;
  }

  @Benchmark
  public FloatPointer peer_openblas() {
    openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans, openblas_full.CblasNoTrans,
        m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
    return pc;
  }
}
