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
