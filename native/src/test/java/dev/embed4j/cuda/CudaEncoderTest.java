package dev.embed4j.cuda;

import static dev.embed4j.cuda.GpuTestSupport.GPU;
import static dev.embed4j.cuda.GpuTestSupport.compare;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The BERT encoder on cuda:0 against the same weights on the CPU: mean-pooled, normalised embeddings
 * within 1e-4 (FP32 matmuls), and for a small encoder the gradient of every parameter too. The weights are
 * random (seeded) rather than all-MiniLM-L6-v2's own, because the bundle that travels to the GPU machine
 * has no room for the 90 MB model; the second test uses that model's shape.
 */
@ExtendWith(GpuTestSupport.SkippedWithoutGpu.class)
class CudaEncoderTest {

  @BeforeAll
  static void gpu() {
    CudaBackend b = GpuTestSupport.gpuOrNull();
    if (b != null) b.setMatmulPrecision(MatmulPrecision.FP32);
  }

  /** Rows of different lengths (each at least 2), random ids, the second half of each row type 1. */
  static BatchEncoding batch(int rows, int seqLen, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[rows * seqLen], types = new int[rows * seqLen], mask = new int[rows * seqLen];
    int[] lengths = new int[rows];
    for (int b = 0; b < rows; b++) {
      int len = b == 0 ? seqLen : Math.max(2, seqLen - 1 - r.nextInt(seqLen));
      lengths[b] = len;
      for (int j = 0; j < len; j++) {
        ids[b * seqLen + j] = 1 + r.nextInt(vocab - 1);
        types[b * seqLen + j] = j >= len / 2 ? 1 : 0;
        mask[b * seqLen + j] = 1;
      }
    }
    return new BatchEncoding(rows, seqLen, ids, types, mask, lengths);
  }

  private static Tensor embed(BertModel m, BatchEncoding b) {
    return Pooling.mean().apply(m.forward(b, false, null), b, 0).l2Normalize();
  }

  @Test
  void smallEncoderForwardAndEveryParameterGradientMatchTheCpu() {
    BertConfig c = new BertConfig(101, 48, 2, 4, 96, BertConfig.Activation.GELU, 0f, 0f, 40, 2, 1e-12f, 0);
    BatchEncoding b = batch(5, 37, c.vocabSize(), 3);
    float[] upstream = Tensor.randn(5, 5, c.hiddenSize()).toFloatArray();
    compare("small encoder", 1e-4, 1e-3, d -> {
      BertModel m = BertModel.randomInit(c, 11).to(d); // fresh leaves on each device
      Tensor e = embed(m, b);
      e.mul(Tensor.of(upstream, 5, c.hiddenSize()).to(d)).sum().backward();
      List<Tensor> out = new ArrayList<>(List.of(e));
      for (Tensor p : m.parameters()) out.add(p.grad());
      assertEquals(d, m.device());
      return out;
    });
  }

  @Test
  void miniLmShapedEmbeddingsWithin1e4OfTheCpu() {
    GpuTestSupport.assumeGpu();
    BertConfig c = BertConfig.miniLmL6();
    BertModel cpu = BertModel.randomInit(c, 5);
    BertModel gpu = cpu.to(GPU);
    for (int seqLen : new int[] {128, 13}) {
      BatchEncoding b = batch(6, seqLen, c.vocabSize(), seqLen);
      float[] expected, actual;
      try (var g = Grad.off()) {
        expected = embed(cpu, b).toFloatArray();
        actual = embed(gpu, b).toFloatArray();
      }
      GpuTestSupport.assertClose("all-MiniLM-L6-v2 shape, " + seqLen + " tokens", expected, actual, 1e-4, 0);
    }
  }
}
