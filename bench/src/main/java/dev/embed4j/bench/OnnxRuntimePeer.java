package dev.embed4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embed4j.model.tokenizer.BatchEncoding;
import java.nio.LongBuffer;
import java.util.Map;

/** The ONNX Runtime peer of the encoder benchmarks: one padded batch through a session, pooled as embed4j pools. */
final class OnnxRuntimePeer {
  private OnnxRuntimePeer() {}

  /** Mean pooling over the mask and L2 normalisation of ONNX Runtime's last hidden state. */
  static float[][] embed(OrtEnvironment env, OrtSession session, BatchEncoding b) throws OrtException {
    int n = b.batch() * b.seqLen();
    long[] ids = new long[n], mask = new long[n], types = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = b.ids()[i];
      mask[i] = b.attentionMask()[i];
      types[i] = b.typeIds()[i];
    }
    long[] shape = {b.batch(), b.seqLen()};
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", t))) {
      float[] hidden = ((OnnxTensor) r.get(0)).getFloatBuffer().array();
      int dim = hidden.length / n;
      float[][] out = new float[b.batch()][dim];
      for (int row = 0; row < b.batch(); row++) {
        float count = 0;
        float[] o = out[row];
        for (int s = 0; s < b.seqLen(); s++) {
          if (b.attentionMask()[row * b.seqLen() + s] == 0) continue;
          count++;
          int base = (row * b.seqLen() + s) * dim;
          for (int d = 0; d < dim; d++) o[d] += hidden[base + d];
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
          o[d] /= count;
          norm += o[d] * o[d];
        }
        float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
        for (int d = 0; d < dim; d++) o[d] *= inv;
      }
      return out;
    }
  }
}
