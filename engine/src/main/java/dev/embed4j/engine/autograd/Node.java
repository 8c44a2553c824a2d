package dev.embed4j.engine.autograd;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;

/**
 * One recorded op in the define-by-run graph: its inputs, the tensors its backward needs, and the backward
 * itself. Each op is a subclass with a static {@code apply} (the forward) beside its {@link #backward}.
 * After {@link Autograd#backward} has used a node it calls {@link #releaseSaved()}, so the saved tensors
 * can be collected (or freed, on a device) before the next step.
 */
public abstract class Node {
  private final Tensor[] inputs;
  private boolean released;

  protected Node(Tensor... inputs) {
    this.inputs = inputs;
  }

  public final Tensor[] inputs() {
    return inputs;
  }

  public String name() {
    return getClass().getSimpleName();
  }

  /**
   * Gradients with respect to each input, given the gradient of each output (an entry is null where that
   * output did not reach the loss). Runs with recording off. An entry of the result may be null where the
   * input needs no gradient.
   */
  protected abstract Tensor[] backward(Tensor[] gradOutputs);

  /** Drops references to saved tensors. */
  protected void releaseSaved() {}

  final Tensor[] runBackward(Tensor[] gradOutputs) {
    if (released) {
      throw new IllegalStateException(name() + ": its saved tensors were released by an earlier backward();"
          + " call backward(gradient, true) the first time to keep the graph");
    }
    return backward(gradOutputs);
  }

  final void release() {
    released = true;
    releaseSaved();
  }

  /** Whether an op over these inputs should record itself: recording is on and some input needs a grad. */
  public static boolean recording(Tensor... inputs) {
    if (!Grad.isEnabled()) return false;
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) return true;
    }
    return false;
  }

  /** Makes {@code out} the output of this node (output 0). */
  protected final Tensor attach(Tensor out) {
    out.setGradFn(this, 0);
    return out;
  }

  /** Makes each of {@code outs} an output of this node, in order. */
  protected final Tensor[] attachAll(Tensor... outs) {
    for (int i = 0; i < outs.length; i++) outs[i].setGradFn(this, i);
    return outs;
  }

  /** Number of outputs; a multi-output op overrides it. */
  public int outputs() {
    return 1;
  }
}
