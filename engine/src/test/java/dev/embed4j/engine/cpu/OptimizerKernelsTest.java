package dev.embed4j.engine.cpu;

import static dev.embed4j.engine.cpu.FloatAsserts.SIZES;
import static dev.embed4j.engine.cpu.FloatAsserts.assertClose;

import dev.embed4j.engine.cpu.reference.OptimizerReference;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OptimizerKernels} against {@link OptimizerReference} (double) over several steps, each side
 * carrying its own state. Tolerance: parameters 1e-6 relative plus 1e-6·lr·steps absolute (the float
 * update, of size ~lr, differs from the double one by a few ulp of itself, and those differences add up
 * over steps; a parameter near 0 has no relative accuracy to keep); moments and the momentum buffer
 * 1e-6 relative plus a few ulp of their O(1) terms absolute (1e-7 for m, 1e-9 for v, 1e-6 for the SGD
 * buffer), since β·m + (1 − β)·g can cancel to far below its terms.
 */
class OptimizerKernelsTest {
  @Test
  void adamWMatchesTwinOverSteps() {
    SplittableRandom r = new SplittableRandom(1);
    for (int n : SIZES) {
      float[] p0 = FloatAsserts.gaussian(r, n, 0.5f);
      float[] pW = p0.clone(), pG = p0.clone(), mW = new float[n], mG = new float[n], vW = new float[n], vG = new float[n];
      float lr = 1e-3f;
      int steps = 6;
      for (int step = 1; step <= steps; step++) {
        float[] g = FloatAsserts.gaussian(r, n, step == 3 ? 1e-4 : 1.0); // one step of tiny gradients
        OptimizerReference.adamW(pW, g, mW, vW, n, lr, 0.9f, 0.999f, 1e-8f, 0.01f, step);
        OptimizerKernels.adamW(pG, g, mG, vG, n, lr, 0.9f, 0.999f, 1e-8f, 0.01f, step);
        String what = "AdamW n=" + n + " step " + step;
        assertClose(what + " m", mW, mG, n, 1e-6, 1e-7);
        assertClose(what + " v", vW, vG, n, 1e-6, 1e-9);
        assertClose(what + " p", pW, pG, n, 1e-6, 1e-6 * lr * step);
      }
    }
  }

  @Test
  void sgdMatchesTwinOverSteps() {
    SplittableRandom r = new SplittableRandom(2);
    for (int n : SIZES) {
      for (float momentum : new float[] {0f, 0.9f}) {
        float[] p0 = FloatAsserts.gaussian(r, n, 0.5f);
        float[] pW = p0.clone(), pG = p0.clone();
        float[] bW = momentum == 0f ? null : new float[n], bG = momentum == 0f ? null : new float[n];
        for (int step = 1; step <= 4; step++) {
          float[] g = FloatAsserts.gaussian(r, n, 1.0);
          OptimizerReference.sgd(pW, g, bW, n, 0.01f, momentum, 1e-4f, step == 1);
          OptimizerKernels.sgd(pG, g, bG, n, 0.01f, momentum, 1e-4f, step == 1);
          String what = "SGD momentum " + momentum + " n=" + n + " step " + step;
          assertClose(what + " p", pW, pG, n, 1e-6, 1e-8 * step);
          if (bW != null) assertClose(what + " buffer", bW, bG, n, 1e-6, 1e-6);
        }
      }
    }
  }
}
