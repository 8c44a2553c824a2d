package dev.embed4j.cuda;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPU figures of the CUDA backend and GPU training issues, measured in one run on cuda:0 and printed
 * as a table beside the PyTorch 2.11 figures the issues give for one H100:
 * <ul>
 *   <li>cublasSgemm 8192³ called from Java (FP32 and TF32);</li>
 *   <li>encoding at all-MiniLM-L6-v2's shape, batch 256 of 128 tokens (FP32 and TF32), each batch uploaded
 *       and its embeddings downloaded, as an application would;</li>
 *   <li>forward + backward of MNSRL and MNRL on given embeddings (B = 65,536 and 8,192, d = 384; FP32 and
 *       TF32), with the device memory each held beyond its inputs, and MNSRL at B = 1,048,576 (TF32);</li>
 *   <li>a whole training step at all-MiniLM-L6-v2's shape: 256 pairs of 128 tokens, MNSRL + AdamW.</li>
 * </ul>
 * The encoder has random weights (the model does not fit the bundle that travels to the GPU machine); its
 * arithmetic is the model's.
 *
 * <p>Run by {@code gpu-run/run-gpu.sh} (see gpu/prepare.sh): {@code java ... dev.embed4j.cuda.GpuBenchmarks}.
 */
public final class GpuBenchmarks {
  private static final Device GPU = Device.cuda(0);

  /** One line of the table; lower is better for times, higher for rates. */
  private record Row(String what, double embed4j, String unit, double pytorch, String memory) {
    Row(String what, double embed4j, String unit, double pytorch) {
      this(what, embed4j, unit, pytorch, "");
    }

    /** How many times PyTorch's figure embed4j's is, counted so that above 1 is better. */
    double speedup() {
      return unit.equals("ms") ? pytorch / embed4j : embed4j / pytorch;
    }
  }

  public static void main(String[] args) {
    if (!CudaBackendProvider.available()) {
      System.err.println("GpuBenchmarks: no usable CUDA device: " + CudaBackendProvider.reason());
      System.exit(2);
    }
    CudaBackend gpu = CudaBackendProvider.backend(0);
    gpu.compileKernels();
    System.out.println("device: " + gpu + " (" + gpu.deviceName() + ")");
    List<Row> rows = new ArrayList<>();
    for (MatmulPrecision p : MatmulPrecision.values()) {
      gpu.setMatmulPrecision(p);
      rows.add(new Row("cuBLAS GEMM 8192³ on float32 tensors, " + p, sgemmTflops(gpu, 8192), "TFLOP/s",
          pick(p, 51.6, 402, 772)));
    }
    BertConfig c = BertConfig.miniLmL6();
    BertModel model = BertModel.randomInit(c, 1).to(GPU);
    for (MatmulPrecision p : MatmulPrecision.values()) {
      gpu.setMatmulPrecision(p);
      rows.add(new Row("encode MiniLM-L6 shape, 256×128 tokens, " + p, encodeRate(gpu, model, 256, 128),
          "sentences/s", p == MatmulPrecision.FP32 ? 11706 : Double.NaN));
    }
    // the contrastive losses on given embeddings (issue 7): PyTorch 2.11's naive form, from the issue
    for (MatmulPrecision p : MatmulPrecision.values()) {
      gpu.setMatmulPrecision(p);
      rows.add(lossRow(gpu, "MNSRL", 65_536, p, pick(p, 391, 235, 143), pick(p, "+65.7 GB", "", "+32.9 GB")));
      rows.add(lossRow(gpu, "MNRL", 65_536, p, pick(p, 269, 113, 52), pick(p, "+49.3 GB", "", "+24.7 GB")));
      rows.add(lossRow(gpu, "MNSRL", 8_192, p, pick(p, 6.5, 4.1, 2.8), pick(p, "+1.0 GB", "", "")));
    }
    gpu.setMatmulPrecision(MatmulPrecision.TF32);
    LossBenchmark.Result huge = LossBenchmark.run(gpu, "MNSRL", 1 << 20, 384, 0, 1);
    rows.add(new Row("MNSRL fwd+bwd, B=1,048,576, d=384, TF32", huge.millis(), "ms", Double.NaN,
        String.format(Locale.ROOT, "+%.0f MiB", huge.extraMiB())));
    // a whole training step (issue 7): PyTorch 1,932 pairs/s FP32, 3,864 TF32, 5,001 BF16 autocast
    for (MatmulPrecision p : MatmulPrecision.values()) {
      gpu.setMatmulPrecision(p);
      rows.add(new Row("train step MiniLM-L6 shape, 256 pairs × 128 tokens, MNSRL + AdamW, " + p,
          TrainingStepBenchmark.pairsPerSecond(p, 256, 128, 2, 5), "pairs/s", pick(p, 1932, 3864, 5001)));
    }
    gpu.setMatmulPrecision(MatmulPrecision.FP32);
    System.out.println("device memory after the runs: " + gpu.memoryStats());
    System.out.println();
    System.out.println("| benchmark | embed4j | embed4j extra memory | PyTorch 2.11, H100 (issues 6, 7) "
        + "| × PyTorch (above 1: embed4j better) |");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (Row r : rows) {
      String torch = Double.isNaN(r.pytorch) ? "–" : fmt(r.pytorch) + " " + r.unit;
      String ratio = Double.isNaN(r.pytorch) ? "–" : String.format(Locale.ROOT, "%.2f", r.speedup());
      System.out.println("| " + r.what + " | " + fmt(r.embed4j) + " " + r.unit + " | " + r.memory + " | " + torch
          + " | " + ratio + " |");
    }
    System.out.println();
    System.out.println("goals (issue 7): MNSRL at B = 65,536, d = 384 within 50 ms in TF32 and under 1 GB extra; "
        + "B = 1,048,576 runs; at least 5,000 training pairs/s");
  }

  /** The PyTorch figure for a precision (its BF16 is autocast / bfloat16 tensors, ours bfloat16 products). */
  private static double pick(MatmulPrecision p, double fp32, double tf32, double bf16) {
    return switch (p) {
      case FP32 -> fp32;
      case TF32 -> tf32;
      case BF16 -> bf16;
    };
  }

  private static String pick(MatmulPrecision p, String fp32, String tf32, String bf16) {
    return switch (p) {
      case FP32 -> fp32;
      case TF32 -> tf32;
      case BF16 -> bf16;
    };
  }

  private static Row lossRow(CudaBackend gpu, String loss, int batch, MatmulPrecision p, double torchMs,
      String torchMemory) {
    LossBenchmark.Result r = LossBenchmark.run(gpu, loss, batch, 384, 2, 5);
    String mem = String.format(Locale.ROOT, "+%.0f MiB", r.extraMiB());
    return new Row(loss + " fwd+bwd, B=" + String.format(Locale.ROOT, "%,d", batch) + ", d=384, " + p, r.millis(), "ms",
        torchMs, torchMemory.isEmpty() ? mem : mem + " (PyTorch " + torchMemory + ")");
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  /** Best of five timed groups of five C = A·B products, n×n×n, after two warm-up products. */
  static double sgemmTflops(CudaBackend gpu, int n) {
    try (var g = Grad.off()) {
      Tensor a = Tensor.randn(1, n, n).to(GPU), b = Tensor.randn(2, n, n).to(GPU);
      for (int i = 0; i < 2; i++) a.matmul(b).release();
      gpu.synchronize();
      double best = 0;
      for (int rep = 0; rep < 5; rep++) {
        long t = System.nanoTime();
        for (int i = 0; i < 5; i++) a.matmul(b).release();
        gpu.synchronize();
        best = Math.max(best, 5 * 2.0 * n * n * (double) n / (System.nanoTime() - t) / 1e3);
      }
      a.release();
      b.release();
      return best;
    }
  }

  /** Sentences per second over 20 batches after 3 warm-up batches, each batch uploaded and downloaded. */
  static double encodeRate(CudaBackend gpu, BertModel model, int batch, int tokens) {
    BatchEncoding b = CudaEncoderTest.batch(batch, tokens, model.config().vocabSize(), 7);
    // every row full length: the figure is for exactly 128 tokens
    java.util.Arrays.fill(b.attentionMask(), 1);
    java.util.Arrays.fill(b.lengths(), tokens);
    for (int i = 0; i < b.ids().length; i++) if (b.ids()[i] == 0) b.ids()[i] = 1 + i % 1000;
    long total = 0;
    int timed = 0;
    try (var g = Grad.off()) {
      for (int i = 0; i < 23; i++) {
        if (i % 4 == 0) System.gc(); // intermediate device buffers go back through their Cleaners
        long t = System.nanoTime();
        float[] e = Pooling.mean().apply(model.forward(b, false, null), b, 0).l2Normalize().toFloatArray();
        long dt = System.nanoTime() - t;
        if (e.length != batch * model.config().hiddenSize()) throw new IllegalStateException("got " + e.length + " floats");
        if (i >= 3) {
          total += dt;
          timed++;
        }
      }
    }
    return timed * (double) batch / (total / 1e9);
  }
}
