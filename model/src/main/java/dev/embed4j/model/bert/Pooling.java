package dev.embed4j.model.bert;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.model.tokenizer.BatchEncoding;

/**
 * Token embeddings [batch, seq, dim] to one vector per text, as sentence-transformers' Pooling does: the
 * mean over real tokens, the [CLS] token, or the per-dimension maximum over real tokens. With
 * {@code includePrompt} false, the first {@code promptLength} tokens (the [CLS] token and the prompt's
 * tokens) are left out of the mean and the maximum, as sentence-transformers leaves them out.
 */
public record Pooling(Mode mode, boolean includePrompt) {
  public enum Mode { MEAN, CLS, MAX }

  public static Pooling mean() {
    return new Pooling(Mode.MEAN, true);
  }

  /** Pooled [batch, dim] embeddings; differentiable with respect to {@code tokens}. */
  public Tensor apply(Tensor tokens, BatchEncoding batch, int promptLength) {
    int b = batch.batch(), s = batch.seqLen(), dim = tokens.size(-1);
    if (mode == Mode.CLS) return tokens.slice(1, 0, 1).reshape(b, dim);
    float[] mask = new float[b * s];
    int cut = includePrompt ? 0 : Math.max(0, promptLength);
    for (int i = 0; i < b; i++) {
      for (int j = cut; j < s; j++) mask[i * s + j] = batch.attentionMask()[i * s + j];
    }
    if (mode == Mode.MEAN) {
      float[] inv = new float[b];
      for (int i = 0; i < b; i++) {
        float n = 0;
        for (int j = 0; j < s; j++) n += mask[i * s + j];
        inv[i] = 1f / Math.max(n, 1e-9f);
      }
      Tensor m = BertModel.wrap(mask, new int[] {b, s, 1}).to(tokens.device());
      return tokens.mul(m).sum(1, false).mul(BertModel.wrap(inv, new int[] {b, 1}).to(tokens.device()));
    }
    // MAX: pick each dimension's arg-max position on the host, then gather it with a one-hot product, so
    // the gradient flows to the chosen token exactly as it does through torch.max
    float[] v;
    try (var g = Grad.off()) {
      v = tokens.toFloatArray();
    }
    float[] oneHot = new float[b * s * dim];
    for (int i = 0; i < b; i++) {
      for (int d = 0; d < dim; d++) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < s; j++) {
          if (mask[i * s + j] == 0f) continue;
          float x = v[(i * s + j) * dim + d];
          if (best < 0 || x > bestV) {
            best = j;
            bestV = x;
          }
        }
        if (best >= 0) oneHot[(i * s + best) * dim + d] = 1f;
      }
    }
    return tokens.mul(BertModel.wrap(oneHot, new int[] {b, s, dim}).to(tokens.device())).sum(1, false);
  }
}
