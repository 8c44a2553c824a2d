package dev.embed4j.engine.autograd;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reverse-mode differentiation over the graph recorded by the ops. */
public final class Autograd {
  private Autograd() {}

  /**
   * Back-propagates {@code gradient} (the gradient of some scalar with respect to {@code root}) through the
   * graph, adding into the {@code grad} of every leaf that requires one. Unless {@code retainGraph}, each
   * visited node releases its saved tensors afterwards.
   */
  public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
    run(root, gradient, retainGraph, null);
  }

  /**
   * {@link #backward} whose leaf gradients go into {@code leafGradients} (summed per leaf, a fresh tensor
   * each) instead of the leaves' own {@code grad}, so that several backward passes over disjoint graphs can
   * run at once on different threads without racing on shared leaves; the caller adds them up. The graph
   * is released.
   */
  public static void backwardInto(Tensor root, Tensor gradient, Map<Tensor, Tensor> leafGradients) {
    run(root, gradient, false, java.util.Objects.requireNonNull(leafGradients, "leafGradients"));
  }

  private static void run(Tensor root, Tensor gradient, boolean retainGraph, Map<Tensor, Tensor> sink) {
    if (!root.requiresGrad()) {
      throw new IllegalStateException("backward(): tensor " + Arrays.toString(root.shape())
          + " does not require a gradient and was not computed from one that does");
    }
    if (gradient == null) {
      if (root.numel() != 1) {
        throw new IllegalStateException("backward(): tensor of shape " + Arrays.toString(root.shape())
            + " is not a scalar; pass the upstream gradient explicitly, backward(gradient)");
      }
      gradient = Tensor.full(1f, root.shape()).to(root.device());
    } else if (!Arrays.equals(gradient.shape(), root.shape())) {
      throw ShapeException.of("backward", "the upstream gradient must have the tensor's shape",
          root.shape(), gradient.shape());
    }
    try (var g = Grad.off()) {
      Node rootNode = root.gradFn();
      if (rootNode == null) {
        accumulate(root, gradient, sink);
        return;
      }
      List<Node> order = topologicalOrder(rootNode);
      Map<Node, Tensor[]> pending = new IdentityHashMap<>();
      Tensor[] first = new Tensor[rootNode.outputs()];
      first[root.outputIndex()] = gradient;
      pending.put(rootNode, first);
      for (Node node : order) {
        Tensor[] gradOutputs = pending.remove(node);
        if (gradOutputs == null) continue;
        Tensor[] gradInputs = node.runBackward(gradOutputs);
        Tensor[] inputs = node.inputs();
        for (int i = 0; i < inputs.length; i++) {
          Tensor in = inputs[i];
          if (in == null || !in.requiresGrad() || gradInputs[i] == null) continue;
          Tensor gi = gradInputs[i];
          if (!Arrays.equals(gi.shape(), in.shape())) {
            throw new IllegalStateException(node.name() + ".backward produced a gradient of shape "
                + Arrays.toString(gi.shape()) + " for an input of shape " + Arrays.toString(in.shape()));
          }
          Node producer = in.gradFn();
          if (producer == null) {
            accumulate(in, gi, sink);
          } else {
            Tensor[] slot = pending.computeIfAbsent(producer, p -> new Tensor[p.outputs()]);
            int k = in.outputIndex();
            slot[k] = slot[k] == null ? gi : slot[k].add(gi);
          }
        }
        if (!retainGraph) node.release();
      }
    }
  }

  private static void accumulate(Tensor leaf, Tensor g, Map<Tensor, Tensor> sink) {
    if (sink != null) {
      Tensor old = sink.get(leaf);
      if (old == null) sink.put(leaf, g.copy());
      else old.addInPlace(g);
      return;
    }
    if (leaf.grad() == null) {
      leaf.setGrad(g.copy());
    } else {
      leaf.grad().addInPlace(g);
    }
  }

  /** Nodes from the root towards the leaves, each before every node it depends on. */
  private static List<Node> topologicalOrder(Node root) {
    List<Node> postOrder = new ArrayList<>();
    Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    visited.add(root);
    while (!stack.isEmpty()) {
      Object[] top = stack.peek();
      Node node = (Node) top[0];
      int next = (Integer) top[1];
      Tensor[] ins = node.inputs();
      if (next < ins.length) {
        top[1] = next + 1;
        Tensor in = ins[next];
        if (in != null && in.gradFn() != null && visited.add(in.gradFn())) {
          stack.push(new Object[] {in.gradFn(), 0});
        }
      } else {
        stack.pop();
        postOrder.add(node);
      }
    }
    Collections.reverse(postOrder);
    return postOrder;
  }
}
