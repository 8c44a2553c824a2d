package dev.embed4j.engine.autograd;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Storage;
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

  /** The storages made on this thread during the backward running on it, or null outside one. */
  private static final ThreadLocal<Set<Storage>> BORN = new ThreadLocal<>();

  /**
   * Notes a storage just made for a new tensor (an op's output, a zero tensor). A backward may then add into
   * it in place, or hand it to a leaf without copying it, when it is a gradient that nothing else refers to.
   */
  public static void noteNewStorage(Storage s) {
    Set<Storage> born = BORN.get();
    if (born != null) born.add(s);
  }

  /**
   * The gradients in flight: which storages were made during this backward, and how many places (pending
   * slots, the sink) hold a tensor over each. A gradient is the backward's own when its storage was made
   * during the backward, exactly one place holds it, and it covers its whole storage densely: then a sum
   * can go into it in place, and a leaf can take it as its gradient without a copy. Sums are the same bits
   * either way (a + b and b + a round alike).
   */
  private static final class Gradients {
    final Set<Storage> born = Collections.newSetFromMap(new IdentityHashMap<>());
    final Map<Storage, Integer> holders = new IdentityHashMap<>();

    void hold(Tensor t) {
      holders.merge(t.storage(), 1, Integer::sum);
    }

    void drop(Tensor t) {
      holders.computeIfPresent(t.storage(), (k, n) -> n == 1 ? null : n - 1);
    }

    boolean own(Tensor t) {
      Storage st = t.storage();
      Integer n = holders.get(st);
      return n != null && n == 1 && born.contains(st) && t.isContiguous() && t.offset() == 0
          && st.size() == t.numel();
    }
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
    Set<Storage> outer = BORN.get();
    Gradients grads = new Gradients();
    BORN.set(grads.born);
    try (var g = Grad.off()) {
      Node rootNode = root.gradFn();
      if (rootNode == null) {
        accumulate(root, gradient, sink, false);
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
        for (Tensor go : gradOutputs) if (go != null) grads.drop(go);
        Tensor[] inputs = node.inputs();
        Tensor[] handed = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
          Tensor in = inputs[i];
          Tensor gi = gradInputs[i];
          if (in == null || !in.requiresGrad() || gi == null) continue;
          if (!Arrays.equals(gi.shape(), in.shape())) {
            throw new IllegalStateException(node.name() + ".backward produced a gradient of shape "
                + Arrays.toString(gi.shape()) + " for an input of shape " + Arrays.toString(in.shape()));
          }
          handed[i] = gi;
          grads.hold(gi); // all of this node's gradients first: two inputs may get one tensor
        }
        for (int i = 0; i < inputs.length; i++) {
          Tensor gi = handed[i];
          if (gi == null) continue;
          Tensor in = inputs[i];
          Node producer = in.gradFn();
          if (producer == null) {
            if (!accumulate(in, gi, sink, grads.own(gi))) grads.drop(gi);
          } else {
            Tensor[] slot = pending.computeIfAbsent(producer, p -> new Tensor[p.outputs()]);
            int k = in.outputIndex();
            slot[k] = slot[k] == null ? gi : sum(grads, slot[k], gi);
          }
        }
        if (!retainGraph) node.release();
      }
    } finally {
      if (outer == null) BORN.remove();
      else BORN.set(outer);
    }
  }

  /** a + b, into whichever of the two is the backward's own, else into a new tensor. */
  private static Tensor sum(Gradients grads, Tensor a, Tensor b) {
    if (grads.own(a)) {
      a.addInPlace(b);
      grads.drop(b);
      return a;
    }
    if (grads.own(b)) {
      b.addInPlace(a);
      grads.drop(a);
      return b;
    }
    grads.drop(a);
    grads.drop(b);
    Tensor s = a.add(b);
    grads.hold(s);
    return s;
  }

  /**
   * Adds g into the leaf's gradient (or the sink's entry for the leaf). With {@code own}, a first gradient is
   * kept as it is instead of copied. Returns whether g itself was kept.
   */
  private static boolean accumulate(Tensor leaf, Tensor g, Map<Tensor, Tensor> sink, boolean own) {
    if (sink != null) {
      Tensor old = sink.get(leaf);
      if (old != null) {
        old.addInPlace(g);
        return false;
      }
      sink.put(leaf, own ? g : g.copy());
      return own;
    }
    if (leaf.grad() != null) {
      leaf.grad().addInPlace(g);
      return false;
    }
    leaf.setGrad(own ? g : g.copy());
    return own;
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
