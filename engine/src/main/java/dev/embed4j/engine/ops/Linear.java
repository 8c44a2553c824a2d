package dev.embed4j.engine.ops;

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
 */
public final class Linear extends Node {
  private final boolean gelu;
  private final int m, k, n;
  private final int[] xShape;
  private Tensor x, w, derivative;

  private Linear(Tensor xIn, Tensor wIn, Tensor bIn, Tensor x, Tensor w, Tensor derivative, boolean gelu, int m, int k,
      int n) {
    super(xIn, wIn, bIn);
    this.x = x;
    this.w = w;
    this.derivative = derivative;
    this.gelu = gelu;
    this.m = m;
    this.k = k;
    this.n = n;
    this.xShape = xIn.shape();
  }

  public static Tensor apply(Tensor x, Tensor weight, Tensor bias, boolean gelu) {
    String op = gelu ? "linearGelu" : "linear";
    Checks.sameDevice(op, x, weight, bias);
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
    Tensor xd = Checks.dense(x), wd = Checks.dense(weight), bd = Checks.dense(bias);
    Tensor y = Checks.newContiguous(xd, outShape);
    boolean recording = Node.recording(x, weight, bias);
    Tensor d = recording && gelu ? Checks.newContiguous(xd, outShape) : null;
    if (m > 0 && n > 0) {
      xd.backend().linear(xd.storage(), wd.storage(), bd.storage(), m, k, n, gelu, y.storage(),
          d == null ? null : d.storage());
    }
    return recording ? new Linear(x, weight, bias, xd, wd, d, gelu, m, k, n).attach(y) : y;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor dz = gelu ? ElementwiseBinary.raw(BinaryOp.MUL, 0f, g[0], derivative) : g[0];
    dz = Checks.dense(dz).reshape(m, n);
    Tensor[] in = inputs();
    Tensor gx = null, gw = null, gb = null;
    if (in[0].requiresGrad()) gx = MatMul.apply(dz, w).reshape(xShape);
    if (in[1].requiresGrad()) gw = MatMul.apply(dz.t(), x.reshape(m, k));
    if (in[2].requiresGrad()) gb = Broadcast.sumTo(dz, new int[] {n});
    return new Tensor[] {gx, gw, gb};
  }

  @Override
  public String name() {
    return gelu ? "LinearGelu" : "Linear";
  }

  @Override
  protected void releaseSaved() {
    x = null;
    w = null;
    derivative = null;
  }
}
