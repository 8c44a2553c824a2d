package dev.embed4j.engine.optim;

import dev.embed4j.engine.Tensor;
import java.util.List;

/** Parameters that share a weight decay (biases and LayerNorm weights usually get none). */
public record ParamGroup(List<Tensor> params, float weightDecay) {
  public ParamGroup {
    params = List.copyOf(params);
    if (weightDecay < 0) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
  }
}
