package dev.embed4j.bench;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.CpuBackend;
import dev.embed4j.engine.cpu.Parallel;
import dev.embed4j.engine.optim.AdamW;
import dev.embed4j.engine.optim.GradClip;
import dev.embed4j.engine.optim.ParamGroup;
import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesSymmetricRankingLoss;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.PromptedText;
import dev.embed4j.model.train.EncoderTrainable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A measured run (not JMH: one step takes seconds) of training throughput: all-MiniLM-L6-v2, 32 pairs a
 * step of exactly {@code tokens} tokens each ([CLS] and [SEP] included), MultipleNegativesSymmetricRankingLoss,
 * AdamW, dropout on, clipping at 1. Its peer is {@code bench/torch/train_throughput.py}, the same encoder,
 * loss and optimiser in PyTorch; {@code bench/torch/compare.sh} runs both one after the other.
 *
 * <p>Usage: {@code TrainingThroughput TOKENS THREADS [STEPS] [alternate | alternate-reuse]}; prints pairs per second. With
 * {@code alternate}, steps alternate between batches in parts of 16 rows, one per thread
 * ({@code SentenceEncoder.forward}'s default) and one pass with every kernel split across the threads
 * ({@code SentenceEncoder.encodeInParts(false)}), and it prints the rate of each: within one process the machine's drift
 * between runs cancels out. With {@code alternate-reuse} the steps alternate between reusing the packed
 * weights in the GEMMs and packing them on every call ({@code CpuBackend.reusePackings}).
 */
public final class TrainingThroughput {
  private static final String[] WORDS = {"cat", "dog", "house", "river", "tree", "car", "bread", "music", "stone", "cloud",
      "apple", "chair", "window", "garden", "ocean", "mountain", "book", "lamp", "road", "bird", "fish", "coffee", "snow",
      "paper", "glass", "horse", "bridge", "train", "flower", "clock", "shoe", "hat"};

  private TrainingThroughput() {}

  public static void main(String[] args) throws Exception {
    int tokens = Integer.parseInt(args[0]), threads = Integer.parseInt(args[1]);
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5, pairs = 32;
    String what = args.length > 3 ? args[3] : "";
    boolean alternate = what.equals("alternate") || what.equals("alternate-reuse");
    boolean reuse = what.equals("alternate-reuse");
    long[] nanos = new long[2];
    int[] counted = new int[2];
    Parallel.setThreads(threads);
    SentenceEncoder enc = SentenceEncoder.defaultModel().withMaxSeqLength(Math.max(tokens, 128));
    EncoderTrainable model = new EncoderTrainable(enc);
    model.setTraining(true);
    List<Tensor> params = new ArrayList<>(model.namedParameters().values());
    for (Tensor p : params) p.requiresGrad(true);
    AdamW opt = new AdamW(List.of(new ParamGroup(params, 0.01f)), 2e-5f, 0.9f, 0.999f, 1e-8f);
    EncoderLoss<PromptedText> loss = EncoderLoss.of(new MultipleNegativesSymmetricRankingLoss());
    Random r = new Random(1);
    Generator g = new Generator(1);
    int warmup = 2;
    long start = 0;
    for (int s = 0; s < warmup + steps; s++) {
      if (s == warmup) start = System.nanoTime();
      int mode = alternate ? s % 2 : 0; // 0: in parts (or reusing packings), 1: one pass (or packing every call)
      if (reuse) CpuBackend.reusePackings(mode == 0);
      else SentenceEncoder.encodeInParts(mode == 0);
      List<List<PromptedText>> columns = List.of(texts(r, pairs, tokens), texts(r, pairs, tokens));
      long t = System.nanoTime();
      opt.zeroGrad();
      Tensor l = loss.forward(model.embedder(), columns, null, g);
      l.backward();
      GradClip.clipByGlobalNorm(params, 1.0);
      opt.step();
      if (s >= warmup) {
        nanos[mode] += System.nanoTime() - t;
        counted[mode]++;
      }
    }
    SentenceEncoder.encodeInParts(true);
    CpuBackend.reusePackings(true);
    if (reuse) {
      System.out.printf(Locale.ROOT, "embed4j tokens=%d threads=%d, alternating steps: reusing packed weights %.2f pairs/s, "
          + "packing every call %.2f pairs/s (%d and %d steps)%n", tokens, threads, counted[0] * pairs / (nanos[0] / 1e9),
          counted[1] * pairs / (nanos[1] / 1e9), counted[0], counted[1]);
      return;
    }
    if (alternate) {
      System.out.printf(Locale.ROOT, "embed4j tokens=%d threads=%d, alternating steps: in parts %.2f pairs/s, one pass %.2f "
          + "pairs/s (%d and %d steps)%n", tokens, threads, counted[0] * pairs / (nanos[0] / 1e9),
          counted[1] * pairs / (nanos[1] / 1e9), counted[0], counted[1]);
      return;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "embed4j tokens=%d threads=%d: %.2f pairs/s (%d steps of %d pairs in %.1f s)%n", tokens,
        threads, steps * pairs / seconds, steps, pairs, seconds);
  }

  /** Texts of exactly {@code tokens} tokens: single-token words between [CLS] and [SEP]. */
  private static List<PromptedText> texts(Random r, int n, int tokens) {
    List<PromptedText> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < tokens - 2; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
      out.add(PromptedText.of(sb.toString()));
    }
    return out;
  }
}
