package dev.embed4j.engine.ops;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/**
 * Self-attention straight from a fused query|key|value projection: {@code qkv} is [batch, seq, 3·heads·dim]
 * (each token's query, then key, then value, head h at h·dim within each), the result [batch, seq, heads·dim],
 * the layout the output projection reads. It computes what {@link Attention} computes on the split
 * [batch, heads, seq, dim] tensors, dropout mask included (one seed drawn the same way), but the backend reads
 * the heads where they lie and writes the gradient of qkv in one piece: the split, the head-major copies of q,
 * k and v, the copy of the output back to token order and their counterparts in the backward all go. A backend
 * without it ({@code Backend.hasQkvAttention}) gets the split and {@link Attention}, as the same function.
 */
public final class QkvAttention extends Node {
  private Tensor qkv, mask, out, lse;
  private final int heads;
  private final float scale, dropout;
  private final long seed;

  private QkvAttention(Tensor qkv, Tensor mask, Tensor out, Tensor lse, int heads, float scale, float dropout,
      long seed) {
    super(qkv);
    this.qkv = qkv;
    this.mask = mask;
    this.out = out;
    this.lse = lse;
    this.heads = heads;
    this.scale = scale;
    this.dropout = dropout;
    this.seed = seed;
  }

  /**
   * @param qkv [batch, seq, 3·heads·dim]
   * @param keyMask [batch, seq] with 1 where a key may be attended to and 0 for padding, or null
   * @param scale usually 1/√dim
   * @param dropout rate of dropout on the probabilities, in [0, 1); 0 for none
   * @param generator where the dropout mask's seed comes from; may be null when dropout is 0
   */
  public static Tensor apply(Tensor qkv, int heads, Tensor keyMask, float scale, float dropout, Generator generator) {
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("qkvAttention: dropout rate must be in [0, 1), got " + dropout);
    }
    if (dropout > 0f && generator == null) throw new IllegalArgumentException("qkvAttention: dropout needs a Generator");
    int[] shape = qkv.shape();
    if (heads < 1 || shape.length != 3 || shape[2] == 0 || shape[2] % (3 * heads) != 0) {
      throw ShapeException.of("qkvAttention", "qkv must be [batch, seq, 3·heads·dim] with heads = " + heads, shape);
    }
    Checks.sameDevice("qkvAttention", qkv, keyMask);
    int batch = shape[0], seq = shape[1], dim = shape[2] / (3 * heads);
    if (keyMask != null && !Arrays.equals(keyMask.shape(), new int[] {batch, seq})) {
      throw ShapeException.of("qkvAttention", "the key mask must be [batch, seq] = [" + batch + ", " + seq + "]",
          keyMask.shape());
    }
    if (!qkv.backend().hasQkvAttention()) return split(qkv, heads, keyMask, scale, dropout, generator);
    Tensor dx = Checks.dense(qkv);
    Tensor dm = keyMask == null ? null : Checks.dense(keyMask);
    Tensor o = Checks.newContiguous(dx, new int[] {batch, seq, heads * dim});
    Tensor lse = Checks.newContiguous(dx, new int[] {batch, heads, seq});
    long seed = dropout > 0f ? generator.nextSeed() : 0L;
    dx.backend().qkvAttention(dx.storage(), dm == null ? null : dm.storage(), o.storage(), lse.storage(), batch, heads,
        seq, dim, scale, dropout, seed);
    return Node.recording(dx) ? new QkvAttention(dx, dm, o, lse, heads, scale, dropout, seed).attach(o) : o;
  }

  /** The same function from views, copies and {@link Attention}, for backends without the fused kernel. */
  static Tensor split(Tensor qkv, int heads, Tensor keyMask, float scale, float dropout, Generator generator) {
    int batch = qkv.size(0), seq = qkv.size(1), dim = qkv.size(2) / (3 * heads);
    Tensor parts = qkv.reshape(batch, seq, 3, heads, dim).permute(2, 0, 3, 1, 4); // [3, batch, heads, seq, dim]
    Tensor q = parts.slice(0, 0, 1).reshape(batch, heads, seq, dim);
    Tensor k = parts.slice(0, 1, 2).reshape(batch, heads, seq, dim);
    Tensor v = parts.slice(0, 2, 3).reshape(batch, heads, seq, dim);
    return Attention.apply(q, k, v, keyMask, scale, dropout, generator).permute(0, 2, 1, 3)
        .reshape(batch, seq, heads * dim);
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor go = Checks.dense(g[0]);
    int[] shape = qkv.shape();
    Tensor gQkv = Checks.newContiguous(qkv, shape);
    qkv.backend().qkvAttentionBackward(qkv.storage(), mask == null ? null : mask.storage(), out.storage(), lse.storage(),
        go.storage(), gQkv.storage(), shape[0], heads, shape[1], shape[2] / (3 * heads), scale, dropout, seed);
    return new Tensor[] {gQkv};
  }

  @Override
  protected void releaseSaved() {
    qkv = mask = out = lse = null;
  }
}
