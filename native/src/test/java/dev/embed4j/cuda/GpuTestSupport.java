package dev.embed4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The harness of the GPU tests: the same computation runs on the CPU backend and on cuda:0, and every
 * tensor it returns (outputs and gradients) must agree within |gpu − cpu| ≤ atol + rtol·|cpu|.
 *
 * <p>Where no CUDA device is usable the CPU half still runs, so that a machine without a GPU (CI, the dry
 * run of the GPU bundle on its trimmed runtime) proves everything but the device: {@link #compare} returns
 * after the CPU half, and {@link SkippedWithoutGpu}, which every GPU test class registers, then reports
 * the test as skipped by its assumption, never as passed. A test that touches the device before any
 * comparison calls {@link #assumeGpu} first.
 */
final class GpuTestSupport {
  static final Device GPU = Device.cuda(0);

  private GpuTestSupport() {}

  static void assumeGpu() {
    assumeTrue(CudaBackendProvider.available(), "no usable CUDA device: " + CudaBackendProvider.reason());
    CudaBackendProvider.backend(0).setSyncAfterLaunch(true); // asynchronous faults name their kernel
  }

  /** cuda:0's backend set up for the tests, or null where no CUDA device is usable. */
  static CudaBackend gpuOrNull() {
    if (!CudaBackendProvider.available()) return null;
    CudaBackend b = CudaBackendProvider.backend(0);
    b.setSyncAfterLaunch(true);
    return b;
  }

  /**
   * Reports each test of a GPU test class as skipped, through the GPU assumption, once its CPU half has run
   * where no CUDA device is usable; a test whose CPU half failed stays failed.
   */
  static final class SkippedWithoutGpu implements AfterTestExecutionCallback {
    @Override
    public void afterTestExecution(ExtensionContext context) {
      if (context.getExecutionException().isPresent()) return;
      assumeTrue(CudaBackendProvider.available(),
          "CPU half passed; no usable CUDA device for the GPU half: " + CudaBackendProvider.reason());
    }
  }

  /** A standard-normal input on {@code d} that requires a gradient. */
  static Tensor input(long seed, Device d, int... shape) {
    return Tensor.randn(seed, shape).to(d).requiresGrad(true);
  }

  /** A uniform [lo, hi) input on {@code d} that requires a gradient. */
  static Tensor positive(long seed, Device d, float lo, float hi, int... shape) {
    return Tensor.uniform(seed, lo, hi, shape).to(d).requiresGrad(true);
  }

  /** Back-propagates a seeded random upstream gradient of y's shape. */
  static void backwardRandom(Tensor y, long seed) {
    y.backward(Tensor.randn(seed, y.shape()).to(y.device()));
  }

  /** Runs {@code f} on both devices and compares every returned tensor. */
  static void compare(String what, double atol, double rtol, Function<Device, List<Tensor>> f) {
    List<Tensor> cpu = f.apply(Device.CPU);
    if (cpu.isEmpty()) fail(what + ": the CPU half returned nothing to compare");
    if (!CudaBackendProvider.available()) return; // SkippedWithoutGpu reports the test as skipped
    List<Tensor> gpu = f.apply(GPU);
    if (cpu.size() != gpu.size()) fail(what + ": " + cpu.size() + " CPU results, " + gpu.size() + " GPU results");
    for (int i = 0; i < cpu.size(); i++) {
      Tensor c = cpu.get(i), g = gpu.get(i);
      if (c == null && g == null) continue;
      if (c == null || g == null) fail(what + " result " + i + ": null on one device only");
      if (!g.device().equals(GPU)) fail(what + " result " + i + " is on " + g.device() + ", not " + GPU);
      if (!java.util.Arrays.equals(c.shape(), g.shape())) {
        fail(what + " result " + i + ": shapes " + java.util.Arrays.toString(c.shape()) + " vs "
            + java.util.Arrays.toString(g.shape()));
      }
      assertClose(what + " result " + i, c.toFloatArray(), g.toFloatArray(), atol, rtol);
    }
  }

  static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
    if (expected.length != actual.length) fail(what + ": lengths " + expected.length + " vs " + actual.length);
    int worst = -1;
    double worstExcess = 0;
    int bad = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i], a = actual[i];
      if (Double.isNaN(e) && Double.isNaN(a)) continue;
      double allowed = atol + rtol * Math.abs(e);
      double err = Math.abs(a - e);
      if (!(err <= allowed) && !(e == a)) {
        bad++;
        double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / allowed;
        if (worst < 0 || excess > worstExcess) {
          worst = i;
          worstExcess = excess;
        }
      }
    }
    if (bad > 0) {
      fail(what + ": " + bad + " of " + expected.length + " elements differ beyond atol " + atol + " + rtol " + rtol
          + "; worst at " + worst + ": cpu " + expected[worst] + " gpu " + actual[worst]);
    }
  }

  /** The tensors, then their gradients (null where a tensor has none). */
  static List<Tensor> withGrads(List<Tensor> outputs, Tensor... leaves) {
    List<Tensor> all = new ArrayList<>(outputs);
    for (Tensor t : leaves) all.add(t.grad());
    return all;
  }
}
