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
 * The GPU figures of the CUDA backend issue, measured in one run on cuda:0 and printed as a table beside
 * the PyTorch 2.11 figures the issue gives for one H100: cublasSgemm 8192³ called from Java (FP32 and
 * TF32) and encoding at all-MiniLM-L6-v2's shape, batch 256 of 128 tokens (FP32 and TF32). The encoder has
 * random weights (the model does not fit the bundle that travels to the GPU machine); its arithmetic is the
 * model's. Each encode batch uploads its ids and downloads its embeddings, as an application would.
 *
 * <p>Run by {@code gpu-run/run-gpu.sh} (see gpu/prepare.sh): {@code java ... dev.embed4j.cuda.GpuBenchmarks}.
 */
public final class GpuBenchmarks {
  private static final Device GPU = Device.cuda(0);

  private record Row(String what, double embed4j, String unit, double pytorch) {}

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
      rows.add(new Row("cublasSgemm 8192³, " + p, sgemmTflops(gpu, 8192), "TFLOP/s", p == MatmulPrecision.FP32 ? 51.6 : 402));
    }
    BertConfig c = BertConfig.miniLmL6();
    BertModel model = BertModel.randomInit(c, 1).to(GPU);
    for (MatmulPrecision p : MatmulPrecision.values()) {
      gpu.setMatmulPrecision(p);
      rows.add(new Row("encode MiniLM-L6 shape, 256×128 tokens, " + p, encodeRate(gpu, model, 256, 128),
          "sentences/s", p == MatmulPrecision.FP32 ? 11706 : Double.NaN));
    }
    gpu.setMatmulPrecision(MatmulPrecision.FP32);
    System.out.println("device memory after the runs: " + gpu.memoryStats());
    System.out.println();
    System.out.println("| benchmark | embed4j | PyTorch 2.11, H100 (issue 6) | embed4j/PyTorch |");
    System.out.println("| --- | --- | --- | --- |");
    for (Row r : rows) {
      String torch = Double.isNaN(r.pytorch) ? "–" : fmt(r.pytorch) + " " + r.unit;
      String ratio = Double.isNaN(r.pytorch) ? "–" : String.format(Locale.ROOT, "%.2f", r.embed4j / r.pytorch);
      System.out.println("| " + r.what + " | " + fmt(r.embed4j) + " " + r.unit + " | " + torch + " | " + ratio + " |");
    }
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
