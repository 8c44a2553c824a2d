package dev.embed4j.cuda;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import dev.embed4j.losses.EmbeddingLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import java.util.List;

/**
 * Forward and backward of a ranking loss on given embeddings on cuda:0, as the GPU issue's PyTorch figures
 * measure it: B anchors and B positives of width d, the loss through its public class (cosine similarity,
 * scale 20), {@code backward()} to the embeddings. Reports the best time of the timed repetitions and the
 * device memory the call held beyond its inputs (peak of the allocator's live bytes).
 */
final class LossBenchmark {
  private static final Device GPU = Device.cuda(0);

  record Result(double millis, double extraMiB) {}

  private LossBenchmark() {}

  static EmbeddingLoss loss(String name) {
    return switch (name) {
      case "MNSRL" -> new MultipleNegativesSymmetricRankingLoss();
      case "MNRL" -> new MultipleNegativesRankingLoss();
      default -> throw new IllegalArgumentException("loss " + name + ": MNSRL or MNRL");
    };
  }

  /** {@code warmup} untimed calls, then the best of {@code reps}; memory from the first timed call. */
  static Result run(CudaBackend gpu, String lossName, int batch, int dim, int warmup, int reps) {
    EmbeddingLoss loss = loss(lossName);
    Tensor q = Tensor.randn(1, batch, dim).to(GPU).requiresGrad(true);
    Tensor p = Tensor.randn(2, batch, dim).to(GPU).requiresGrad(true);
    for (int i = 0; i < warmup; i++) step(loss, q, p);
    gpu.synchronize();
    long best = Long.MAX_VALUE;
    double extra = 0;
    for (int i = 0; i < reps; i++) {
      System.gc(); // earlier steps' device buffers go back through their Cleaners before the measurement
      gpu.synchronize();
      long before = gpu.memoryStats().bytesInUse();
      gpu.resetPeakMemory();
      long t = System.nanoTime();
      step(loss, q, p);
      gpu.synchronize();
      best = Math.min(best, System.nanoTime() - t);
      if (i == 0) extra = (gpu.memoryStats().peakBytesInUse() - before) / 1048576.0;
    }
    q.release();
    p.release();
    return new Result(best / 1e6, extra);
  }

  private static void step(EmbeddingLoss loss, Tensor q, Tensor p) {
    q.zeroGrad();
    p.zeroGrad();
    Tensor l = loss.computeLoss(List.of(q, p), null);
    l.backward();
    if (!Float.isFinite(l.item())) throw new IllegalStateException("loss " + l.item());
  }
}
