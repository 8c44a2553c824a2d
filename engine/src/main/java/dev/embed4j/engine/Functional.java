package dev.embed4j.engine;

import dev.embed4j.engine.ops.Attention;
import dev.embed4j.engine.ops.DataParallel;
import dev.embed4j.engine.ops.Dropout;
import dev.embed4j.engine.ops.Embedding;
import dev.embed4j.engine.ops.LayerNorm;
import dev.embed4j.engine.ops.Linear;
import dev.embed4j.engine.ops.PairwiseLogSumExp;
import dev.embed4j.engine.ops.QkvAttention;

/** The neural-network ops that take more than one tensor or extra state, in torch.nn.functional's terms. */
public final class Functional {
  private Functional() {}

  /** LayerNorm over the last axis. */
  public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
    return LayerNorm.apply(x, weight, bias, eps);
  }

  /** The fully connected layer x·Wᵀ + b: x [..., in], weight [out, in], bias [out]. See {@link Linear}. */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    return Linear.apply(x, weight, bias, false);
  }

  /** GELU(x·Wᵀ + b), the fully connected layer with its activation, in one op. See {@link Linear}. */
  public static Tensor linearGelu(Tensor x, Tensor weight, Tensor bias) {
    return Linear.apply(x, weight, bias, true);
  }

  /**
   * dropout_p(x·Wᵀ + b) + residual in one op (p = 0: no dropout, generator may be null): the same values, and the same
   * draws from the generator, as {@code dropout(linear(x, weight, bias), p, generator).add(residual)}. See
   * {@link Linear}.
   */
  public static Tensor linearDropoutAdd(Tensor x, Tensor weight, Tensor bias, float p, Generator generator,
      Tensor residual) {
    return Linear.applyDropoutAdd(x, weight, bias, p, generator, residual);
  }

  /** Rows of {@code table} ([vocab, dim]) for each id; the result is {@code idsShape} + [dim]. */
  public static Tensor embedding(Tensor table, int[] ids, int... idsShape) {
    return Embedding.apply(table, ids, idsShape);
  }

  /** Inverted dropout with probability {@code p}; the mask comes from {@code generator}. */
  public static Tensor dropout(Tensor x, float p, Generator generator) {
    return Dropout.apply(x, p, generator);
  }

  /** Fused softmax(Q·Kᵀ/√d + mask)·V over [batch, heads, seq, dim]; keyMask is [batch, seqK] of 1/0 or null. */
  public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor keyMask) {
    return Attention.apply(q, k, v, keyMask, (float) (1.0 / Math.sqrt(q.size(-1))), 0f, null);
  }

  public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale) {
    return Attention.apply(q, k, v, keyMask, scale, 0f, null);
  }

  /**
   * {@link #attention(Tensor, Tensor, Tensor, Tensor)} with dropout of rate {@code dropout} on the
   * attention probabilities (BERT's attention_probs_dropout_prob in training), its mask drawn from
   * {@code generator}; rate 0 draws nothing.
   */
  public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float dropout, Generator generator) {
    return Attention.apply(q, k, v, keyMask, (float) (1.0 / Math.sqrt(q.size(-1))), dropout, generator);
  }

  /**
   * Self-attention from a fused query|key|value projection, [batch, seq, 3·heads·dim] → [batch, seq, heads·dim],
   * scaled by 1/√dim, with dropout of rate {@code dropout} on the probabilities (0: none, and generator may be
   * null); the same function as splitting the heads and calling {@link #attention(Tensor, Tensor, Tensor, Tensor,
   * float, Generator)}, without the copies. See {@link QkvAttention}.
   */
  public static Tensor qkvAttention(Tensor qkv, int heads, Tensor keyMask, float dropout, Generator generator) {
    int dim = heads > 0 && qkv.dim() == 3 ? qkv.size(2) / (3 * heads) : 1;
    return QkvAttention.apply(qkv, heads, keyMask, (float) (1.0 / Math.sqrt(Math.max(1, dim))), dropout, generator);
  }

  /**
   * Independent parts (say, a batch cut in pieces) run one per CPU thread with their kernels inline, their
   * outputs concatenated along axis 0; the backward runs per part in parallel too. See {@link DataParallel}.
   */
  public static Tensor dataParallel(java.util.List<java.util.function.Supplier<Tensor>> parts) {
    return DataParallel.apply(parts);
  }

  /** Mean cross-entropy of [rows, classes] logits against integer targets. */
  public static Tensor crossEntropy(Tensor logits, int[] targets) {
    return logits.crossEntropy(targets);
  }

  /**
   * Row log-sum-exp, diagonal and (if {@code columns}) column log-sum-exp of scale·A·Bᵀ for A [n, d] and
   * B [m, d], never materialising the n×m matrix; {@code mask} (or null) leaves elements out.
   */
  public static PairwiseLogSumExp.Result pairwiseLogSumExp(Tensor a, Tensor b, float scale,
      PairwiseLogSumExp.Mask mask, boolean columns) {
    return PairwiseLogSumExp.apply(a, b, scale, mask, columns);
  }

  /**
   * {@link #pairwiseLogSumExp(Tensor, Tensor, float, PairwiseLogSumExp.Mask, boolean)}, saying whether the
   * forward should also compute the gradient of Σ rowLse (worth it only when every row's upstream gradient
   * is the same; see {@link PairwiseLogSumExp#apply(Tensor, Tensor, float, PairwiseLogSumExp.Mask, boolean,
   * boolean)}).
   */
  public static PairwiseLogSumExp.Result pairwiseLogSumExp(Tensor a, Tensor b, float scale,
      PairwiseLogSumExp.Mask mask, boolean columns, boolean rowGradientInForward) {
    return PairwiseLogSumExp.apply(a, b, scale, mask, columns, rowGradientInForward);
  }

  /**
   * {@link #pairwiseLogSumExp(Tensor, Tensor, float, PairwiseLogSumExp.Mask, boolean, boolean)} with a
   * hardness penalty (or null): selected off-diagonal scores raised by strength·sim, with no gradient through
   * the raise (see {@link PairwiseLogSumExp.Hardness}).
   */
  public static PairwiseLogSumExp.Result pairwiseLogSumExp(Tensor a, Tensor b, float scale,
      PairwiseLogSumExp.Mask mask, boolean columns, boolean rowGradientInForward, PairwiseLogSumExp.Hardness hardness) {
    return PairwiseLogSumExp.apply(a, b, scale, mask, columns, rowGradientInForward, hardness);
  }
}
