package dev.embed4j.engine.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Storage;
import org.junit.jupiter.api.Test;

class AutogradTest {
  @Test
  void gradientsAccumulateAcrossBackwardCallsAndThroughSharedSubexpressions() {
    Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
    Tensor y = x.mul(x).add(x); // x is used three times
    y.sum().backward();
    assertArrayEquals(new float[] {3, 5, 7}, x.grad().toFloatArray(), 1e-6f);
    x.mul(2f).sum().backward();
    assertArrayEquals(new float[] {5, 7, 9}, x.grad().toFloatArray(), 1e-6f);
    x.zeroGrad();
    assertNull(x.grad());
  }

  /**
   * The backward sums a node's gradients in place only into a tensor nothing else holds: here Add hands one
   * tensor to a and to b, and a then gets a second gradient; summing that into the shared tensor would give
   * b (so x) a wrong gradient.
   */
  @Test
  void aGradientHandedToTwoInputsIsNeverSummedIntoInPlace() {
    Tensor x = Tensor.randn(5, 4, 3).requiresGrad(true), w = Tensor.randn(6, 3, 3).requiresGrad(true);
    Tensor a = x.matmul(w);
    Tensor z = a.add(x.mul(2f)).add(a.mul(a)); // dz/da = 1 + 2a, dz/d(2x) = 1
    z.sum().backward();
    float[] xv = x.toFloatArray(), wv = w.toFloatArray();
    double[] av = new double[12];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 3; k++) av[i * 3 + j] += (double) xv[i * 3 + k] * wv[k * 3 + j];
      }
    }
    float[] gx = new float[12], gw = new float[9];
    for (int i = 0; i < 4; i++) {
      for (int k = 0; k < 3; k++) {
        double s = 2;
        for (int j = 0; j < 3; j++) s += (1 + 2 * av[i * 3 + j]) * wv[k * 3 + j];
        gx[i * 3 + k] = (float) s;
      }
    }
    for (int k = 0; k < 3; k++) {
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int i = 0; i < 4; i++) s += xv[i * 3 + k] * (1 + 2 * av[i * 3 + j]);
        gw[k * 3 + j] = (float) s;
      }
    }
    assertArrayEquals(gx, x.grad().toFloatArray(), 1e-4f, "x");
    assertArrayEquals(gw, w.grad().toFloatArray(), 1e-4f, "w");
  }

  /** Leaves never share a gradient's storage, whether the backward handed them one tensor or kept its own. */
  @Test
  void leafGradientsAreTheLeavesOwn() {
    Tensor x1 = Tensor.randn(1, 20).requiresGrad(true), x2 = Tensor.randn(2, 20).requiresGrad(true);
    x1.add(x2).sum().backward(); // one gradient tensor for both leaves
    x1.grad().scaleInPlace(3f);
    float[] ones = new float[20];
    java.util.Arrays.fill(ones, 1f);
    assertArrayEquals(ones, x2.grad().toFloatArray(), 0f);
    Tensor v = Tensor.randn(3, 2, 5).requiresGrad(true), w = Tensor.randn(4, 5, 4).requiresGrad(true);
    v.matmul(w).sum().backward(); // fresh gradients, which the leaves may take uncopied
    float[] gv = v.grad().toFloatArray();
    w.grad().scaleInPlace(0f);
    assertArrayEquals(gv, v.grad().toFloatArray(), 0f);
    float[] wv = w.toFloatArray();
    for (int i = 0; i < 2; i++) {
      for (int k = 0; k < 5; k++) {
        float s = 0;
        for (int j = 0; j < 4; j++) s += wv[k * 4 + j];
        assertTrue(Math.abs(gv[i * 5 + k] - s) < 1e-5f);
      }
    }
  }

  @Test
  void aDiamondGraphVisitsEachNodeOnce() {
    Tensor x = Tensor.of(new float[] {0.5f, -1f}, 2).requiresGrad(true);
    Tensor h = x.exp();
    Tensor z = h.mul(h).add(h.mul(3f)); // dz/dx = (2h + 3)·h
    z.sum().backward();
    float[] g = x.grad().toFloatArray();
    for (int i = 0; i < 2; i++) {
      double hv = Math.exp(i == 0 ? 0.5 : -1);
      assertTrue(Math.abs(g[i] - (2 * hv + 3) * hv) < 1e-5);
    }
  }

  @Test
  void noGradScopeRecordsNothingAndRestores() {
    Tensor x = Tensor.ones(2).requiresGrad(true);
    try (var g = Grad.off()) {
      Tensor y = x.mul(3f);
      assertFalse(y.requiresGrad());
      assertNull(y.gradFn());
      assertFalse(Grad.isEnabled());
    }
    assertTrue(Grad.isEnabled());
    assertTrue(x.mul(3f).requiresGrad());
  }

  @Test
  void backwardFromANonScalarNeedsAnUpstreamGradient() {
    Tensor x = Tensor.ones(2, 3).requiresGrad(true);
    Tensor y = x.mul(2f);
    var e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("not a scalar") && e.getMessage().contains("[2, 3]"), e.getMessage());
    y.backward(Tensor.full(0.5f, 2, 3));
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, x.grad().toFloatArray(), 0f);
    assertThrows(ShapeException.class, () -> x.mul(2f).backward(Tensor.ones(3, 2)));
  }

  @Test
  void savedTensorsAreReleasedAfterBackwardUnlessRetained() {
    Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
    Tensor loss = x.mul(x).sum();
    loss.backward();
    var e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("released"), e.getMessage());

    Tensor x2 = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
    Tensor loss2 = x2.mul(x2).sum();
    loss2.backward(Tensor.scalar(1f).reshape(), true);
    loss2.backward();
    assertArrayEquals(new float[] {4, 8}, x2.grad().toFloatArray(), 1e-6f);
  }

  @Test
  void anOpOnAReleasedTensorSaysSo() {
    Tensor x = Tensor.ones(2, 2);
    Tensor view = x.t();
    x.close();
    var e = assertThrows(IllegalStateException.class, () -> view.add(Tensor.ones(2, 2)));
    assertTrue(e.getMessage().contains("released"), e.getMessage());
  }

  @Test
  void mixingDevicesNamesBoth() {
    Device other = new Device("fake", 1);
    Storage fake = new Storage() {
      public Device device() { return other; }
      public long size() { return 4; }
      public void release() {}
      public boolean isReleased() { return false; }
    };
    Tensor a = Tensor.ones(2, 2);
    Tensor b = new Tensor(fake, 0, new int[] {2, 2}, new int[] {2, 1});
    var e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
    assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("fake:1") && e.getMessage().contains("add"),
        e.getMessage());
  }

  @Test
  void leavesWithoutRequiresGradGetNoGradient() {
    Tensor w = Tensor.ones(3).requiresGrad(true);
    Tensor c = Tensor.ones(3);
    w.mul(c).sum().backward();
    assertNull(c.grad());
    assertArrayEquals(new float[] {1, 1, 1}, w.grad().toFloatArray(), 0f);
  }

  @Test
  void deepChainsDoNotOverflowTheStack() {
    Tensor x = Tensor.scalar(1f).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < 20000; i++) y = y.add(0.0001f);
    y.backward();
    assertArrayEquals(new float[] {1f}, x.grad().toFloatArray(), 0f);
  }

  @Test
  void inPlaceOpsRefuseViewsTheyCannotWrite() {
    Tensor t = Tensor.zeros(4, 3);
    Tensor row = t.slice(0, 1, 2);
    var e = assertThrows(IllegalStateException.class, () -> row.addInPlace(Tensor.ones(1, 3)));
    assertTrue(e.getMessage().contains("offset 3"), e.getMessage());
    t.addInPlace(Tensor.ones(4, 3));
    assertArrayEquals(new float[] {1, 1, 1}, t.slice(0, 3, 4).toFloatArray(), 0f);
  }
}
