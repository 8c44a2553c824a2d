package dev.embed4j.engine.optim;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019), exactly as torch.optim.AdamW: the decay
 * multiplies the parameter by (1 − lr·wd) before the bias-corrected Adam step. Defaults are torch's:
 * β = (0.9, 0.999), eps = 1e-8, weight decay 0.01. The update itself is one backend kernel per parameter.
 */
public final class AdamW implements Optimizer {
  private final List<ParamGroup> groups;
  private final float beta1, beta2, eps;
  private float lr;
  private final Map<Tensor, Moments> state = new IdentityHashMap<>();

  private record Moments(Tensor m, Tensor v, int[] step) {}

  public AdamW(List<Tensor> params, float lr) {
    this(List.of(new ParamGroup(params, 0.01f)), lr, 0.9f, 0.999f, 1e-8f);
  }

  public AdamW(List<ParamGroup> groups, float lr, float beta1, float beta2, float eps) {
    if (!(lr >= 0)) throw new IllegalArgumentException("AdamW: learning rate must be >= 0, got " + lr);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("AdamW: betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0)) throw new IllegalArgumentException("AdamW: eps must be > 0, got " + eps);
    this.groups = List.copyOf(groups);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        if (!p.isContiguous() || p.offset() != 0) throw new IllegalArgumentException("AdamW: parameter " + p + " must be a dense tensor");
      }
    }
  }

  @Override
  public void step() {
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        Tensor grad = p.grad();
        if (grad == null) continue;
        Moments s = state.computeIfAbsent(p, k -> new Moments(Tensor.zeros(k.device(), k.shape()),
            Tensor.zeros(k.device(), k.shape()), new int[1]));
        s.step[0]++;
        Tensor dg = grad.isContiguous() && grad.offset() == 0 ? grad : grad.copy();
        p.backend().adamW(p.storage(), dg.storage(), s.m.storage(), s.v.storage(), p.numel(), lr, beta1, beta2, eps,
            g.weightDecay(), s.step[0]);
      }
    }
  }

  @Override
  public List<Tensor> parameters() {
    List<Tensor> all = new ArrayList<>();
    for (ParamGroup g : groups) all.addAll(g.params());
    return all;
  }

  @Override
  public float learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(float lr) {
    this.lr = lr;
  }

  /** The first and second moment of a parameter, or null before its first step (for checkpoints and tests). */
  public Tensor[] moments(Tensor param) {
    Moments s = state.get(param);
    return s == null ? null : new Tensor[] {s.m, s.v};
  }

  /** Steps taken for a parameter. */
  public int steps(Tensor param) {
    Moments s = state.get(param);
    return s == null ? 0 : s.step[0];
  }

  /**
   * Restores a parameter's moments and step count (resuming from a checkpoint). The moments are copied
   * onto the parameter's device, wherever they were read to: a checkpoint file is read to the host, and
   * the update kernel needs the parameter, its gradient and both moments on one device.
   */
  public void setState(Tensor param, Tensor m, Tensor v, int step) {
    if (!Arrays.equals(m.shape(), param.shape()) || !Arrays.equals(v.shape(), param.shape())) {
      throw ShapeException.of("AdamW.setState", "the moments must have the parameter's shape", param.shape(), m.shape(),
          v.shape());
    }
    state.put(param, new Moments(besideParameter(param, m), besideParameter(param, v), new int[] {step}));
  }

  /** A dense copy of {@code x} on {@code param}'s device. */
  private static Tensor besideParameter(Tensor param, Tensor x) {
    Tensor c = Tensor.zeros(param.device(), param.shape());
    try (var g = Grad.off()) {
      c.copyFrom(x);
    }
    return c;
  }
}
