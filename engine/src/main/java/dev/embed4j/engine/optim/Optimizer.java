package dev.embed4j.engine.optim;

import dev.embed4j.engine.Tensor;
import java.util.List;

/** Updates parameters from their gradients. */
public interface Optimizer {
  /** Applies one update to every parameter that has a gradient. */
  void step();

  List<Tensor> parameters();

  float learningRate();

  void setLearningRate(float lr);

  /** Clears every parameter's gradient. */
  default void zeroGrad() {
    for (Tensor p : parameters()) p.zeroGrad();
  }
}
