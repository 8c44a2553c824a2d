package dev.embed4j.engine.ops;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.BinaryOp;
import java.util.Arrays;

/**
 * The fully connected layer y = act(x·Wᵀ + b), x [..., in], W [out, in], b [out], act the identity or GELU, as one
 * op: the backend adds the bias and applies the activation as the GEMM finishes each strip of y
 * ({@code Backend.linear}), where {@code x.matmul(w.t()).add(b).gelu()} would pass over y twice more. The same
 * values as that composition, and on the CPU the same bits. In training a GELU keeps GELU'(x·Wᵀ + b), as the
 * GELU op does, so the pre-activation is never stored. Backward, with dZ = dy (∘ GELU'): dx = dZ·W,
 * dW = dZᵀ·x, db = Σ_rows dZ, through the MatMul and sum ops.
 *
 * <p>{@link #applyDropoutAdd} is the same layer followed by dropout and a residual connection,
 * y = dropout_p(x·Wᵀ + b) + residual, BERT's attention-output and output blocks before their LayerNorm: the dropout
 * and the add join the epilogue, with the mask Dropout would draw from the same generator state. Its backward
 * redraws the mask (dZ = dropout_p(dy), as Dropout's backward), and the residual's gradient is dy itself.
 */
public final class Linear extends Node {
  private final boolean gelu;
  private final float dropout;
  private final long seed;
  private final boolean residual;
  private final int m, k, n;
  private final int[] xShape;
  private Tensor x, w, derivative;

  private Linear(Tensor[] inputs, Tensor x, Tensor w, Tensor derivative, boolean gelu, float dropout, long seed, int m,
      int k, int n) {
    super(inputs);
    this.residual = inputs.length == 4;
    this.dropout = dropout;
    this.seed = seed;
    this.x = x;
    this.w = w;
    this.derivative = derivative;
    this.gelu = gelu;
    this.m = m;
    this.k = k;
    this.n = n;
    this.xShape = inputs[0].shape();
  }

  public static Tensor apply(Tensor x, Tensor weight, Tensor bias, boolean gelu) {
    return apply(gelu ? "linearGelu" : "linear", x, weight, bias, gelu, 0f, null, null);
  }

  /**
   * y = dropout_p(x·Wᵀ + b) + residual, residual shaped like y; p = 0 draws nothing (generator may then be null).
   */
  public static Tensor applyDropoutAdd(Tensor x, Tensor weight, Tensor bias, float p, Generator generator,
      Tensor residual) {
    if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("linearDropoutAdd: p must be in [0, 1), got " + p);
    if (p > 0f && generator == null) throw new IllegalArgumentException("linearDropoutAdd: dropout needs a Generator");
    if (residual == null) throw new IllegalArgumentException("linearDropoutAdd: the residual is null");
    return apply("linearDropoutAdd", x, weight, bias, false, p, generator, residual);
  }

  private static Tensor apply(String op, Tensor x, Tensor weight, Tensor bias, boolean gelu, float p, Generator gen,
      Tensor residual) {
    Checks.sameDevice(op, x, weight, bias);
    if (residual != null) Checks.sameDevice(op, x, residual);
    int[] xs = x.shape(), ws = weight.shape(), bs = bias.shape();
    if (ws.length != 2) throw ShapeException.of(op, "the weight must be [out, in]", ws);
    int n = ws[0], k = ws[1];
    if (xs.length < 1 || xs[xs.length - 1] != k) {
      throw ShapeException.of(op, "the input's last axis must be the weight's in = " + k, xs, ws);
    }
    if (bs.length != 1 || bs[0] != n) throw ShapeException.of(op, "the bias must be [out] = [" + n + "]", bs, ws);
    int m = 1;
    for (int i = 0; i < xs.length - 1; i++) m *= xs[i];
    int[] outShape = Arrays.copyOf(xs, xs.length);
    outShape[xs.length - 1] = n;
    if (residual != null && !Arrays.equals(residual.shape(), outShape)) {
      throw ShapeException.of(op, "the residual must have the output's shape", residual.shape(), outShape);
    }
    Tensor xd = Checks.dense(x), wd = Checks.dense(weight), bd = Checks.dense(bias);
    Tensor y = Checks.newContiguous(xd, outShape);
    Tensor[] inputs = residual == null ? new Tensor[] {x, weight, bias} : new Tensor[] {x, weight, bias, residual};
    boolean recording = Node.recording(inputs);
    long seed = p > 0f ? gen.nextSeed() : 0L;
    Tensor d = recording && gelu ? Checks.newContiguous(xd, outShape) : null;
    if (m > 0 && n > 0) {
      if (residual == null) {
        xd.backend().linear(xd.storage(), wd.storage(), bd.storage(), m, k, n, gelu, y.storage(),
            d == null ? null : d.storage());
      } else {
        Tensor rd = Checks.dense(residual);
        xd.backend().linearDropoutAdd(xd.storage(), wd.storage(), bd.storage(), m, k, n, p, seed, rd.storage(),
            y.storage());
      }
    }
    return recording ? new Linear(inputs, xd, wd, d, gelu, p, seed, m, k, n).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor dz = gelu ? ElementwiseBinary.raw(BinaryOp.MUL, 0f, g[0], derivative) : g[0];
    dz = Checks.dense(dz);
    if (dropout > 0f) {
      Tensor masked = Checks.newContiguous(dz, dz.shape());
      dz.backend().dropout(dz.storage(), masked.storage(), dz.numel(), dropout, seed); // the same mask and scale
      dz = masked;
    }
    dz = dz.reshape(m, n);
    Tensor[] in = inputs();
    Tensor gx = null, gw = null, gb = null;
    if (in[0].requiresGrad()) gx = MatMul.apply(dz, w).reshape(xShape);
    if (in[1].requiresGrad()) gw = MatMul.apply(dz.t(), x.reshape(m, k));
    if (in[2].requiresGrad()) gb = Broadcast.sumTo(dz, new int[] {n});
    if (residual) return new Tensor[] {gx, gw, gb, in[3].requiresGrad() ? g[0] : null};
    return new Tensor[] {gx, gw, gb};
  }

  @Override
  public String name() {
    return gelu ? "LinearGelu" : residual ? "LinearDropoutAdd" : "Linear";
  }

  @Override
  protected void releaseSaved() {
    x = null;
    w = null;
    derivative = null;
  }
}
