package dev.embed4j.cuda;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.optim.AdamW;
import dev.embed4j.engine.optim.GradClip;
import dev.embed4j.engine.optim.ParamGroup;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training throughput on cuda:0 at all-MiniLM-L6-v2's shape (6 layers, hidden 384, 12 heads, intermediate
 * 1536, vocabulary 30522), for {@link GpuBenchmarks}' table. The weights are random (seeded): the model file
 * does not travel to the GPU machine, and the arithmetic is the model's whatever the values.
 *
 * <p>One step is what {@code bench}'s TrainingThroughput (the CPU figure) and its PyTorch peer time: the
 * encoder forward of both columns, each {@code pairs} texts of exactly {@code tokens} tokens ([CLS] and
 * [SEP] included, no padding), mean pooling and normalisation as the model's own modules, dropout 0.1 on,
 * MultipleNegativesSymmetricRankingLoss, the backward, clipping at global norm 1 and AdamW (lr 2e-5, weight
 * decay 0.01). The token ids are built directly, not tokenised; the step uploads them as training does.
 */
final class TrainingStepBenchmark {
  private static final Device GPU = Device.cuda(0);

  private TrainingStepBenchmark() {}

  /**
   * Pairs per second over {@code steps} timed steps after {@code warmup} untimed ones, at matrix precision
   * {@code p} (restored afterwards). Each step is timed from a synchronised device to a synchronised device;
   * the garbage collector (which returns dropped activations' device memory) runs between steps, off the
   * clock, every fourth step.
   */
  static double pairsPerSecond(MatmulPrecision p, int pairs, int tokens, int warmup, int steps) {
    if (pairs < 2 || tokens < 2 || warmup < 0 || steps < 1) {
      throw new IllegalArgumentException("pairsPerSecond: need pairs ≥ 2, tokens ≥ 2, warmup ≥ 0, steps ≥ 1; got pairs "
          + pairs + ", tokens " + tokens + ", warmup " + warmup + ", steps " + steps);
    }
    CudaBackend gpu = CudaBackendProvider.backend(0);
    MatmulPrecision before = gpu.matmulPrecision();
    gpu.setMatmulPrecision(p);
    try {
      BertConfig c = BertConfig.miniLmL6();
      if (tokens > c.maxPositions()) throw new IllegalArgumentException("pairsPerSecond: " + tokens + " tokens > " + c.maxPositions());
      BertModel model = BertModel.randomInit(c, 1).to(GPU);
      List<Tensor> params = model.parameters();
      AdamW opt = new AdamW(List.of(new ParamGroup(params, 0.01f)), 2e-5f, 0.9f, 0.999f, 1e-8f);
      var loss = new MultipleNegativesSymmetricRankingLoss();
      Generator dropout = new Generator(1);
      BatchEncoding anchors = fullLength(pairs, tokens, c.vocabSize(), 1), positives = fullLength(pairs, tokens, c.vocabSize(), 2);
      long total = 0;
      float last = Float.NaN;
      for (int s = 0; s < warmup + steps; s++) {
        if (s % 4 == 0) System.gc();
        gpu.synchronize();
        long t = System.nanoTime();
        opt.zeroGrad();
        Tensor value = loss.computeLoss(List.of(embed(model, anchors, dropout), embed(model, positives, dropout)));
        value.backward();
        GradClip.clipByGlobalNorm(params, 1.0);
        opt.step();
        gpu.synchronize();
        if (s >= warmup) total += System.nanoTime() - t;
        if (s == warmup + steps - 1) last = value.item();
      }
      if (!Float.isFinite(last)) throw new IllegalStateException("pairsPerSecond: the loss became " + last);
      return (double) steps * pairs / (total / 1e9);
    } finally {
      gpu.setMatmulPrecision(before);
    }
  }

  /** The model's embedding: the last hidden state, mean-pooled over the tokens, normalised. */
  private static Tensor embed(BertModel model, BatchEncoding batch, Generator dropout) {
    return Pooling.mean().apply(model.forward(batch, true, dropout), batch, 0).l2Normalize();
  }

  /** {@code rows} rows of exactly {@code tokens} tokens: [CLS], random word-piece ids, [SEP]; no padding. */
  static BatchEncoding fullLength(int rows, int tokens, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = rows * tokens;
    int[] ids = new int[n], types = new int[n], mask = new int[n], lengths = new int[rows];
    for (int b = 0; b < rows; b++) {
      lengths[b] = tokens;
      for (int j = 0; j < tokens; j++) {
        // 101 and 102 are [CLS] and [SEP] in the MiniLM vocabulary; ordinary word pieces start near 1000
        ids[b * tokens + j] = j == 0 ? 101 : j == tokens - 1 ? 102 : 1000 + r.nextInt(vocab - 1000);
        mask[b * tokens + j] = 1;
      }
    }
    return new BatchEncoding(rows, tokens, ids, types, mask, lengths);
  }
}
