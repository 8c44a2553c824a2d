package dev.embed4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.embed4j.model.tokenizer.Encoding;
import java.nio.LongBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 on the engine against ONNX Runtime on the very ONNX file it was imported from: the
 * same token ids in, ONNX Runtime's last hidden state mean-pooled over the attention mask and normalised,
 * every component within 1e-5.
 */
class OnnxRuntimeParityTest {
  @Test
  void embeddingsEqualOnnxRuntime() throws Exception {
    SentenceEncoder enc = TestModels.miniLm();
    assertTrue(TestModels.TEXTS.size() >= 50);
    long t0 = System.nanoTime();
    float[][] ours = enc.encode(TestModels.TEXTS);
    long t1 = System.nanoTime();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double worst = 0;
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(TestModels.onnxBytes(), opts)) {
        for (int t = 0; t < TestModels.TEXTS.size(); t++) {
          Encoding e = enc.tokenizer().encode(TestModels.TEXTS.get(t));
          float[] ref = onnxEmbedding(env, session, e);
          assertEquals(ref.length, ours[t].length);
          for (int i = 0; i < ref.length; i++) {
            double diff = Math.abs(ref[i] - ours[t][i]);
            worst = Math.max(worst, diff);
            int text = t, comp = i;
            assertEquals(ref[i], ours[t][i], 1e-5, () -> "text " + text + " \"" + TestModels.TEXTS.get(text) + "\" component " + comp);
          }
        }
      }
    }
    System.out.printf("ONNX Runtime parity: %d texts, %d dimensions, worst |diff| %.2e; embed4j encode took %.1f s%n",
        TestModels.TEXTS.size(), ours[0].length, worst, (t1 - t0) / 1e9);
  }

  /** ONNX Runtime's last hidden state for one unpadded text, mean-pooled and normalised in double. */
  static float[] onnxEmbedding(OrtEnvironment env, OrtSession session, Encoding e) throws Exception {
    int n = e.length();
    long[] ids = new long[n], mask = new long[n], types = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = e.ids()[i];
      mask[i] = e.attentionMask()[i];
      types[i] = e.typeIds()[i];
    }
    long[] shape = {1, n};
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
      float[][][] hidden = (float[][][]) r.get(0).getValue();
      int dim = hidden[0][0].length;
      double[] mean = new double[dim];
      for (int i = 0; i < n; i++) for (int d = 0; d < dim; d++) mean[d] += hidden[0][i][d] / n;
      double norm = 0;
      for (double v : mean) norm += v * v;
      norm = Math.max(Math.sqrt(norm), 1e-12);
      float[] out = new float[dim];
      for (int d = 0; d < dim; d++) out[d] = (float) (mean[d] / norm);
      return out;
    }
  }
}
