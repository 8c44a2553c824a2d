package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.optim.AdamW;
import dev.embed4j.engine.optim.SGD;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend keeps a packed copy of a GEMM's B operand that is read again unchanged (a weight), and must
 * drop it the moment the values change: after each way of writing a tensor in place, the next product must
 * equal one computed from a fresh copy of the new values.
 */
class GemmPackingReuseTest {
  private static final Random RND = new Random(17);

  private static Tensor random(int... shape) {
    float[] d = new float[Tensor.numel(shape)];
    for (int i = 0; i < d.length; i++) d[i] = RND.nextFloat() * 2 - 1;
    return Tensor.of(d, shape);
  }

  /** x·wᵀ from a copy of w's current values, in a storage never seen before (so never a reused packing). */
  private static float[] fresh(Tensor x, Tensor w) {
    return x.matmul(Tensor.of(w.toFloatArray(), w.shape()).t()).toFloatArray();
  }

  private static Object packing(Tensor w, boolean transposed) {
    return ((CpuStorage) w.storage()).derived(transposed);
  }

  /** The second product on an unchanged weight reuses one packing, bit-identical to packing it each time. */
  @Test
  void weightReadTwiceIsPackedOnceAndGivesTheSameBits() {
    Tensor x = random(37, 150), w = random(130, 150); // k·n = 19,500: above the reuse threshold
    try (var g = Grad.off()) {
      float[] first = x.matmul(w.t()).toFloatArray();
      assertNotNull(packing(w, true), "the first product records its sighting");
      float[] second = x.matmul(w.t()).toFloatArray();
      Object packed = packing(w, true);
      float[] third = x.matmul(w.t()).toFloatArray();
      assertSame(packed, packing(w, true), "the third product reuses the packing the second made");
      assertArrayEquals(first, second);
      assertArrayEquals(first, third);
      assertArrayEquals(first, fresh(x, w));
      // the other layout of the same storage has its own slot
      Tensor y = random(5, 130);
      float[] plain = y.matmul(w).toFloatArray();
      assertArrayEquals(plain, y.matmul(w).toFloatArray());
      assertSame(packed, packing(w, true));
      assertNotNull(packing(w, false));
    }
  }

  @Test
  void smallOperandsAreNotKept() {
    Tensor x = random(8, 64), w = random(64, 64);
    try (var g = Grad.off()) {
      x.matmul(w.t());
      x.matmul(w.t());
    }
    assertNull(packing(w, true));
  }

  /** Each in-place write of the weight, then a product: it must see the new values. */
  private static void changesAreSeen(String how, Consumer<Tensor> write) {
    Tensor x = random(40, 160), w = random(120, 160).requiresGrad(true);
    try (var g = Grad.off()) {
      x.matmul(w.t());
      x.matmul(w.t()); // packed and kept now
    }
    long before = ((CpuStorage) w.storage()).version();
    float[] old = w.toFloatArray();
    write.accept(w);
    assertTrue(!java.util.Arrays.equals(old, w.toFloatArray()), how + " did not change the weight");
    try (var g = Grad.off()) {
      assertArrayEquals(fresh(x, w), x.matmul(w.t()).toFloatArray(), how + ": the product used the old packing");
      assertArrayEquals(fresh(x, w), x.matmul(w.t()).toFloatArray(), how + ": the repacking is wrong");
    }
    assertNotEquals(before, ((CpuStorage) w.storage()).version(), how + " must mark the storage written");
  }

  private static void gradient(Tensor w) {
    w.zeroGrad();
    Tensor x = random(3, 160);
    x.matmul(w.t()).mul(x.matmul(w.t())).sum().backward();
  }

  @Test
  void everyInPlaceWriteDropsThePacking() {
    changesAreSeen("copyFrom", w -> w.copyFrom(random(w.shape())));
    changesAreSeen("addInPlace", w -> w.addInPlace(random(w.shape())));
    changesAreSeen("scaleInPlace", w -> w.scaleInPlace(-0.5f));
    changesAreSeen("AdamW.step", w -> {
      gradient(w);
      new AdamW(List.of(w), 0.1f).step();
    });
    changesAreSeen("SGD.step", w -> {
      gradient(w);
      new SGD(List.of(w), 0.1f, 0.9f, 0.01f).step();
    });
    changesAreSeen("backend fill", w -> CpuBackend.INSTANCE.fill(w.storage(), 0, 100, 3f));
    changesAreSeen("a GEMM writing into it", w -> CpuBackend.INSTANCE.gemm(1, false, false, 4, 160, 8, 1f,
        random(4, 8).storage(), 0, 8, 0, random(8, 160).storage(), 0, 160, 0, 0f, w.storage(), 0, 160, 0));
    changesAreSeen("a direct write with modified()", w -> {
      CpuStorage s = (CpuStorage) w.storage();
      s.data()[7] += 1f;
      s.modified();
    });
  }

  /** Two threads reading one weight at once (data-parallel parts): every product equal to the serial one. */
  @Test
  void concurrentReadersAgree() throws Exception {
    Tensor x = random(33, 200), w = random(96, 200);
    float[] expected = fresh(x, w);
    Thread[] threads = new Thread[2];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        try (var g = Grad.off()) {
          for (int i = 0; i < 20; i++) assertArrayEquals(expected, x.matmul(w.t()).toFloatArray());
        } catch (Throwable e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) t.join();
    if (failure[0] != null) throw new AssertionError("a concurrent product differed", failure[0]);
  }
}
