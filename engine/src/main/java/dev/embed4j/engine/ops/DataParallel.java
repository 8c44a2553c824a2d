package dev.embed4j.engine.ops;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Autograd;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.cpu.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Independent computations (a batch cut into parts) run one per thread of the CPU pool, their outputs
 * concatenated along axis 0, and differentiable the same way. Each part runs on one thread with its kernels
 * inline, recording its own graph; the backward runs each part's backward on its own thread likewise,
 * collecting the gradients of the leaves it reaches (the shared parameters) in a map of its own
 * ({@link Autograd#backwardInto}), and returns their sums, part 0 + part 1 + … in that order, which the
 * outer backward accumulates into the leaves as usual. So the result does not depend on which thread ran
 * which part, nor on the thread count.
 *
 * <p>Two threads on independent parts beat two threads on every kernel of one pass when the kernels are
 * small (a few hundred rows): no hand-off per kernel, no thread waiting for the other's half.
 *
 * <p>Contract: a part may read leaves and tensors without a graph; a tensor with a graph from outside the
 * parts must not enter them (its backward would run inside a part). Parts that share a node are refused.
 */
public final class DataParallel extends Node {
  private Tensor[] parts;
  private final int[] rows;

  private DataParallel(Tensor[] leaves, Tensor[] parts) {
    super(leaves);
    this.parts = parts;
    this.rows = new int[parts.length];
    for (int p = 0; p < parts.length; p++) rows[p] = parts[p].size(0);
  }

  /** Runs the parts (at most one thread each) and concatenates their outputs along axis 0. */
  public static Tensor apply(List<Supplier<Tensor>> work) {
    int n = work.size();
    if (n == 0) throw new IllegalArgumentException("dataParallel: no parts");
    Tensor[] outs = new Tensor[n];
    boolean recording = Grad.isEnabled();
    eachPart(n, p -> {
      try (var g = recording ? Grad.on() : Grad.off()) {
        outs[p] = work.get(p).get();
      }
      if (outs[p] == null) throw new IllegalArgumentException("dataParallel: part " + p + " returned null");
    });
    int[] first = outs[0].shape();
    for (int p = 1; p < n; p++) {
      int[] s = outs[p].shape();
      if (s.length != first.length || s.length == 0
          || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(first, 1, first.length))) {
        throw ShapeException.of("dataParallel", "every part must have part 0's shape but for axis 0 (part " + p + ")",
            first, s);
      }
      Checks.sameDevice("dataParallel", outs[0], outs[p]);
    }
    Tensor out;
    try (var g = Grad.off()) {
      out = n == 1 ? outs[0].copy() : Tensor.concat(List.of(outs), 0);
    }
    if (!recording) return out;
    List<Tensor> leaves = leaves(outs);
    if (leaves.isEmpty()) return out;
    return new DataParallel(leaves.toArray(new Tensor[0]), outs).attach(out);
  }

  /**
   * Runs body(p) for every part on the pool's threads: thread t of T takes parts t, t + T, t + 2T, …, so
   * that a batch sorted by length, whose parts get shorter towards the end, spreads evenly.
   */
  private static void eachPart(int n, java.util.function.IntConsumer body) {
    int lanes = Math.min(n, Parallel.threads());
    Parallel.forRange(lanes, 1, (lo, hi) -> {
      for (int t = lo; t < hi; t++) {
        for (int p = t; p < n; p += lanes) body.accept(p);
      }
    });
  }

  /** The leaves that need a gradient under the parts' graphs, in order of first discovery. */
  private static List<Tensor> leaves(Tensor[] outs) {
    List<Tensor> leaves = new ArrayList<>();
    Set<Tensor> seenLeaves = Collections.newSetFromMap(new IdentityHashMap<>());
    Map<Node, Integer> owner = new IdentityHashMap<>();
    for (int p = 0; p < outs.length; p++) {
      List<Tensor> stack = new ArrayList<>(List.of(outs[p]));
      while (!stack.isEmpty()) {
        Tensor t = stack.remove(stack.size() - 1);
        if (!t.requiresGrad()) continue;
        Node node = t.gradFn();
        if (node == null) {
          if (seenLeaves.add(t)) leaves.add(t);
          continue;
        }
        Integer was = owner.putIfAbsent(node, p);
        if (was != null) {
          if (was != p) {
            throw new IllegalArgumentException("dataParallel: parts " + was + " and " + p + " share the node "
                + node.name() + "; parts must be independent");
          }
          continue;
        }
        for (Tensor in : node.inputs()) if (in != null) stack.add(in);
      }
    }
    return leaves;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor go = g[0];
    int n = parts.length;
    List<Map<Tensor, Tensor>> sinks = new ArrayList<>(n);
    int[] offsets = new int[n + 1];
    for (int p = 0; p < n; p++) {
      sinks.add(new IdentityHashMap<>());
      offsets[p + 1] = offsets[p] + rows[p];
    }
    Tensor[] ps = parts;
    eachPart(n, p -> {
      if (ps[p].requiresGrad()) Autograd.backwardInto(ps[p], go.slice(0, offsets[p], offsets[p + 1]), sinks.get(p));
    });
    Tensor[] leaves = inputs();
    Tensor[] grads = new Tensor[leaves.length];
    for (int i = 0; i < leaves.length; i++) {
      for (int p = 0; p < n; p++) {
        Tensor gp = sinks.get(p).get(leaves[i]);
        if (gp == null) continue;
        if (grads[i] == null) grads[i] = gp; // a fresh tensor of this part's own: added into in place
        else grads[i].addInPlace(gp);
      }
    }
    return grads;
  }

  @Override
  protected void releaseSaved() {
    parts = null;
  }
}
