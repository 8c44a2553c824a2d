package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;

/** Mean over rows of −log softmax(logits)[target]: logits [rows, classes], integer targets. */
public final class CrossEntropy extends Node {
  private Tensor logProb;
  private final int[] targets;

  private CrossEntropy(Tensor logits, Tensor logProb, int[] targets) {
    super(logits);
    this.logProb = logProb;
    this.targets = targets;
  }

  public static Tensor apply(Tensor logits, int[] targets) {
    Checks.sameDevice("crossEntropy", logits);
    int[] s = logits.shape();
    if (s.length != 2) throw ShapeException.of("crossEntropy", "logits must be [rows, classes]", s);
    if (targets.length != s[0]) {
      throw ShapeException.of("crossEntropy", targets.length + " targets for " + s[0] + " rows of logits", s);
    }
    if (s[0] == 0) throw ShapeException.of("crossEntropy", "empty batch", s);
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] < 0 || targets[i] >= s[1]) {
        throw new IllegalArgumentException("crossEntropy: target " + targets[i] + " at row " + i + " is outside [0, " + s[1] + ")");
      }
    }
    Tensor in = Checks.dense(logits);
    Tensor logProb = Checks.newContiguous(in, s);
    Tensor perRow = Checks.newContiguous(in, new int[] {s[0]});
    in.backend().crossEntropy(in.storage(), targets.clone(), logProb.storage(), perRow.storage(), s[0], s[1]);
    Tensor loss;
    try (var g = dev.embed4j.engine.Grad.off()) {
      loss = perRow.mean();
    }
    return Node.recording(in) ? new CrossEntropy(in, logProb, targets.clone()).attach(loss) : loss;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    int rows = logProb.size(0), cols = logProb.size(1);
    Tensor scale = g[0].mul(1f / rows).reshape(1).expand(rows).contiguous();
    Tensor gx = Checks.newContiguous(logProb, logProb.shape());
    logProb.backend().crossEntropyBackward(logProb.storage(), targets, scale.storage(), gx.storage(), rows, cols);
    return new Tensor[] {gx};
  }

  @Override
  protected void releaseSaved() {
    logProb = null;
  }
}
