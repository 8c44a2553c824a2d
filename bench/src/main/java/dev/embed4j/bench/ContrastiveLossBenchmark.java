package dev.embed4j.bench;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.gemm.GemmKernel;
import dev.embed4j.engine.cpu.gemm.GemmKernels;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One forward + backward of the in-batch contrastive loss on B (query, positive) pairs of dimension d,
 * cosine similarity, scale 20, gradients down to the embeddings.
 *
 * <ul>
 *   <li>{@code embed4j}: the losses module's MultipleNegativesRankingLoss / ...SymmetricRankingLoss on
 *       the fused pairwise log-sum-exp kernel (never holds the B×B matrix); forked with a 512 MB heap,
 *       which B = 16384 must fit.
 *   <li>{@code twin_materialised}: the project's own reference twin, the plain implementation a user would
 *       write with the engine's ops:
 *       S = scale·normalize(Q)·normalize(P)ᵀ through the engine's matmul (the active GEMM), then
 *       cross-entropy over the rows (and, for MNSRL, over the columns); forked with an 8 GB heap,
 *       since at B = 16384 S alone is 1 GiB and its log-softmax and gradients as much again each.
 *   <li>{@code bound_threeProducts}: only the three matrix products that any exact forward + backward of
 *       either loss needs (MNSRL too), S = A·Bᵀ, G·B and Gᵀ·A (G = S here), through the same GEMM, with nothing
 *       else: a floor on the time of either implementation on this CPU, so materialised/bound is the most
 *       a fused kernel could gain over the materialised one.
 * </ul>
 * Memory: run with {@code -prof gc} and read {@code gc.alloc.rate.norm} (bytes allocated per operation).
 * The B = 16384 rows take tens of seconds per operation; select sizes with {@code -p B=256,1024,4096}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ContrastiveLossBenchmark {
  private static final float SCALE = 20f;

  @Param({"256", "1024", "4096", "16384"})
  public int B;

  @Param({"384", "768"})
  public int d;

  @Param({"MNRL", "MNSRL"})
  public String loss;

  private Tensor queries, positives;
  private int[] targets;
  private MultipleNegativesRankingLoss fused;

  @Setup(Level.Trial)
  public void setUp() {
    queries = Tensor.randn(1, B, d).requiresGrad(true);
    positives = Tensor.randn(2, B, d).requiresGrad(true);
    targets = new int[B];
    for (int i = 0; i < B; i++) targets[i] = i;
    fused = loss.equals("MNRL") ? new MultipleNegativesRankingLoss() : new MultipleNegativesSymmetricRankingLoss();
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
      "-Xmx512m"})
  public Tensor embed4j() {
    queries.zeroGrad();
    positives.zeroGrad();
    fused.computeLoss(List.of(queries, positives)).backward();
    return queries.grad();
  }

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
      "-Xmx8g"})
  public float[] bound_threeProducts() {
    GemmKernel gemm = GemmKernels.active();
    if (scores == null) {
      qa = queries.toFloatArray();
      pa = positives.toFloatArray();
      scores = new float[B * B];
      ga = new float[B * d];
      gb = new float[B * d];
    }
    gemm.gemm(false, true, B, B, d, SCALE, qa, 0, d, pa, 0, d, 0f, scores, 0, B);
    gemm.gemm(false, false, B, d, B, SCALE, scores, 0, B, pa, 0, d, 0f, ga, 0, d);
    gemm.gemm(true, false, B, d, B, SCALE, scores, 0, B, qa, 0, d, 0f, gb, 0, d);
    return gb;
  }

  private float[] qa, pa, scores, ga, gb;

  @Benchmark
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
      "-Xmx8g"})
  public Tensor twin_materialised() {
    queries.zeroGrad();
    positives.zeroGrad();
    Tensor s = queries.l2Normalize().matmul(positives.l2Normalize().t()).mul(SCALE);
    Tensor l = s.crossEntropy(targets);
    if (loss.equals("MNSRL")) l = l.add(s.t().crossEntropy(targets)).mul(0.5f);
    l.backward();
    return queries.grad();
  }
}
