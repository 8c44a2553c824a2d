package dev.embed4j.engine.optim;

import dev.embed4j.engine.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Stochastic gradient descent with momentum, as torch.optim.SGD (no dampening, no Nesterov). */
public final class SGD implements Optimizer {
  private final List<Tensor> params;
  private final float momentum, weightDecay;
  private float lr;
  private final Map<Tensor, Tensor> buffers = new IdentityHashMap<>();

  public SGD(List<Tensor> params, float lr, float momentum, float weightDecay) {
    if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException("SGD: lr, momentum and weight decay must be >= 0");
    }
    this.params = List.copyOf(params);
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step() {
    for (Tensor p : params) {
      Tensor grad = p.grad();
      if (grad == null) continue;
      Tensor dg = grad.isContiguous() && grad.offset() == 0 ? grad : grad.copy();
      boolean first = !buffers.containsKey(p);
      Tensor buf = momentum == 0f ? null : buffers.computeIfAbsent(p, k -> Tensor.zeros(k.device(), k.shape()));
      p.backend().sgd(p.storage(), dg.storage(), buf == null ? null : buf.storage(), p.numel(), lr, momentum,
          weightDecay, first);
    }
  }

  @Override
  public List<Tensor> parameters() {
    return params;
  }

  @Override
  public float learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(float lr) {
    this.lr = lr;
  }
}
