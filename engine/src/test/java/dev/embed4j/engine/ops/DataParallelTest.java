package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Parts run one per thread, forward and backward, against the same computation as one graph (a concat of
 * the parts): outputs and every gradient, leaves shared between parts included, on one, two and three
 * threads, and the same bits whatever the thread count.
 */
class DataParallelTest {
  private static final int[] ROWS = {5, 16, 1, 9};

  /** tanh(x_p·W + b) for each part, and a loss that weighs every output element differently. */
  private static List<Tensor> run(boolean parallel) {
    Tensor w = Tensor.randn(1, 7, 6).requiresGrad(true), b = Tensor.randn(2, 6).requiresGrad(true);
    List<Tensor> xs = new ArrayList<>();
    for (int p = 0; p < ROWS.length; p++) xs.add(Tensor.randn(10 + p, ROWS[p], 7).requiresGrad(true));
    List<Supplier<Tensor>> work = new ArrayList<>();
    for (Tensor x : xs) work.add(() -> x.matmul(w).add(b).tanh());
    Tensor y;
    if (parallel) {
      y = Functional.dataParallel(work);
    } else {
      List<Tensor> outs = new ArrayList<>();
      for (Supplier<Tensor> s : work) outs.add(s.get());
      y = Tensor.concat(outs, 0);
    }
    y.mul(Tensor.randn(3, y.shape())).sum().backward();
    List<Tensor> all = new ArrayList<>(List.of(y, w.grad(), b.grad()));
    for (Tensor x : xs) all.add(x.grad());
    return all;
  }

  @Test
  void partsOnThreadsGiveTheOneGraphsValuesAndGradients() {
    int before = Parallel.threads();
    try {
      Parallel.setThreads(1);
      List<Tensor> plain = run(false), one = run(true);
      Parallel.setThreads(2);
      List<Tensor> two = run(true);
      Parallel.setThreads(3);
      List<Tensor> three = run(true);
      String[] names = {"output", "W.grad", "b.grad", "x0.grad", "x1.grad", "x2.grad", "x3.grad"};
      for (int i = 0; i < plain.size(); i++) {
        assertArrayEquals(plain.get(i).toFloatArray(), one.get(i).toFloatArray(), 1e-5f, names[i]);
        assertArrayEquals(one.get(i).toFloatArray(), two.get(i).toFloatArray(), 0f, names[i] + ", 1 vs 2 threads");
        assertArrayEquals(one.get(i).toFloatArray(), three.get(i).toFloatArray(), 0f, names[i] + ", 1 vs 3 threads");
      }
    } finally {
      Parallel.setThreads(before);
    }
  }

  @Test
  void withoutRecordingThereIsNoGraphAndOnTheThreadsNeither() {
    Tensor w = Tensor.randn(1, 3, 3).requiresGrad(true);
    Tensor y;
    try (var g = Grad.off()) {
      y = Functional.dataParallel(List.of(() -> w.mul(2f), () -> w.add(1f)));
    }
    assertNull(y.gradFn());
    assertTrue(!y.requiresGrad());
  }

  @Test
  void partsMustAgreeButForAxisZeroAndMustNotShareNodes() {
    Tensor a = Tensor.randn(1, 2, 3), b = Tensor.randn(2, 2, 4);
    assertThrows(ShapeException.class, () -> Functional.dataParallel(List.of(() -> a, () -> b)));
    Tensor w = Tensor.randn(3, 3, 3).requiresGrad(true);
    Tensor shared = w.mul(2f); // a graph made outside the parts, entering both
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Functional.dataParallel(List.of(() -> shared.add(1f), () -> shared.add(2f))));
    assertTrue(e.getMessage().contains("share"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Functional.dataParallel(List.of()));
  }
}
