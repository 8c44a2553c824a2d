package dev.embed4j.engine.optim;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.Storage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
  private GradClip() {}

  /**
   * The L2 norm of all gradients taken together (in double): one {@code sumOfSquares} call per device, so a
   * GPU synchronises once per step rather than once per parameter.
   */
  public static double globalNorm(List<Tensor> params) {
    Map<Backend, List<Tensor>> byBackend = new LinkedHashMap<>();
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g == null) continue;
      byBackend.computeIfAbsent(g.backend(), b -> new ArrayList<>()).add(g.isContiguous() ? g : g.copy());
    }
    double sum = 0;
    for (var e : byBackend.entrySet()) {
      List<Tensor> gs = e.getValue();
      Storage[] xs = new Storage[gs.size()];
      int[] offsets = new int[gs.size()], counts = new int[gs.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = gs.get(i).storage();
        offsets[i] = gs.get(i).offset();
        counts[i] = gs.get(i).numel();
      }
      sum += e.getKey().sumOfSquares(xs, offsets, counts);
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm; returns the
   * norm before clipping (NaN or infinite if some gradient is).
   */
  public static double clipByGlobalNorm(List<Tensor> params, double maxNorm) {
    double norm = globalNorm(params);
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1.0) {
      for (Tensor p : params) {
        if (p.grad() != null) p.grad().scaleInPlace((float) coef);
      }
    }
    return norm;
  }
}
