package dev.embed4j.engine.ops;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/**
 * Fused scaled-dot-product attention: softmax(Q·Kᵀ·scale + key-padding mask)·V over
 * [batch, heads, seq, dim]. The forward keeps only the output and the row log-sum-exp of the scores; the
 * backward recomputes score blocks from them (flash-attention style), so no seq × seq matrix outlives a
 * block of rows. Dropout on the probabilities, when asked for, draws one seed from the generator; the
 * backward redraws the same mask from it (see {@link dev.embed4j.engine.backend.Backend#attention}).
 */
public final class Attention extends Node {
  private Tensor q, k, v, mask, out, lse;
  private final float scale, dropout;
  private final long seed;

  private Attention(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor lse, float scale, float dropout,
      long seed) {
    super(q, k, v);
    this.q = q;
    this.k = k;
    this.v = v;
    this.mask = mask;
    this.out = out;
    this.lse = lse;
    this.scale = scale;
    this.dropout = dropout;
    this.seed = seed;
  }

  /**
   * @param keyMask [batch, seqK] with 1 where a key may be attended to and 0 for padding, or null
   * @param scale usually 1/√dim
   * @param dropout rate of dropout on the probabilities, in [0, 1); 0 for none
   * @param generator where the dropout mask's seed comes from; may be null when dropout is 0
   */
  public static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale, float dropout,
      Generator generator) {
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("attention: dropout rate must be in [0, 1), got " + dropout);
    }
    if (dropout > 0f && generator == null) throw new IllegalArgumentException("attention: dropout needs a Generator");
    Checks.sameDevice("attention", q, k, v, keyMask);
    int[] qs = q.shape(), ks = k.shape(), vs = v.shape();
    if (qs.length != 4 || ks.length != 4 || vs.length != 4) {
      throw ShapeException.of("attention", "q, k and v must be [batch, heads, seq, dim]", qs, ks, vs);
    }
    if (ks[0] != qs[0] || ks[1] != qs[1] || ks[3] != qs[3] || !Arrays.equals(ks, vs)) {
      throw ShapeException.of("attention", "k must be [batch, heads, seqK, dim] like q, and v like k", qs, ks, vs);
    }
    int batch = qs[0], heads = qs[1], seqQ = qs[2], seqK = ks[2], dim = qs[3];
    if (keyMask != null && !Arrays.equals(keyMask.shape(), new int[] {batch, seqK})) {
      throw ShapeException.of("attention", "the key mask must be [batch, seqK] = [" + batch + ", " + seqK + "]", keyMask.shape());
    }
    Tensor dq = Checks.dense(q), dk = Checks.dense(k), dv = Checks.dense(v);
    Tensor dm = keyMask == null ? null : Checks.dense(keyMask);
    Tensor o = Checks.newContiguous(dq, qs);
    Tensor lse = Checks.newContiguous(dq, new int[] {batch, heads, seqQ});
    long seed = dropout > 0f ? generator.nextSeed() : 0L;
    dq.backend().attention(dq.storage(), dk.storage(), dv.storage(), dm == null ? null : dm.storage(), o.storage(),
        lse.storage(), batch, heads, seqQ, seqK, dim, scale, dropout, seed);
    return Node.recording(dq, dk, dv) ? new Attention(dq, dk, dv, dm, o, lse, scale, dropout, seed).attach(o) : o;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor go = Checks.dense(g[0]);
    int[] qs = q.shape();
    int[] ks = k.shape();
    Tensor gq = Checks.newContiguous(q, qs), gk = Checks.newContiguous(q, ks), gv = Checks.newContiguous(q, ks);
    q.backend().attentionBackward(q.storage(), k.storage(), v.storage(), mask == null ? null : mask.storage(),
        out.storage(), lse.storage(), go.storage(), gq.storage(), gk.storage(), gv.storage(),
        qs[0], qs[1], qs[2], ks[2], qs[3], scale, dropout, seed);
    return new Tensor[] {gq, gk, gv};
  }

  @Override
  protected void releaseSaved() {
    q = k = v = mask = out = lse = null;
  }
}
