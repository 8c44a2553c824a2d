package dev.embed4j.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {
  /** AdamW over several steps against torch.optim.AdamW's update written out in double. */
  @Test
  void adamWMatchesTorchDefinition() {
    int n = 37;
    Random r = new Random(7);
    float[] p0 = new float[n];
    for (int i = 0; i < n; i++) p0[i] = (float) r.nextGaussian();
    Tensor p = Tensor.of(p0, n).requiresGrad(true);
    float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
    AdamW opt = new AdamW(List.of(new ParamGroup(List.of(p), wd)), lr, b1, b2, eps);
    double[] ref = new double[n], m = new double[n], v = new double[n];
    for (int i = 0; i < n; i++) ref[i] = p0[i];
    for (int step = 1; step <= 5; step++) {
      float[] g = new float[n];
      for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian();
      p.setGrad(Tensor.of(g, n));
      opt.step();
      for (int i = 0; i < n; i++) {
        ref[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double mh = m[i] / (1 - Math.pow(b1, step)), vh = v[i] / (1 - Math.pow(b2, step));
        ref[i] -= lr * mh / (Math.sqrt(vh) + eps);
      }
    }
    float[] got = p.toFloatArray();
    for (int i = 0; i < n; i++) assertEquals(ref[i], got[i], 1e-5 * Math.max(1, Math.abs(ref[i])), "param " + i);
    assertEquals(5, opt.steps(p));
  }

  @Test
  void sgdWithMomentumMatchesTorch() {
    Tensor p = Tensor.of(new float[] {1f, -2f}, 2).requiresGrad(true);
    SGD opt = new SGD(List.of(p), 0.1f, 0.9f, 0f);
    double[] ref = {1, -2}, buf = new double[2];
    float[][] grads = {{0.5f, 1f}, {-1f, 0.25f}, {2f, 2f}};
    for (int s = 0; s < grads.length; s++) {
      p.setGrad(Tensor.of(grads[s], 2));
      opt.step();
      for (int i = 0; i < 2; i++) {
        buf[i] = s == 0 ? grads[s][i] : 0.9 * buf[i] + grads[s][i];
        ref[i] -= 0.1 * buf[i];
      }
    }
    float[] got = p.toFloatArray();
    assertEquals(ref[0], got[0], 1e-6);
    assertEquals(ref[1], got[1], 1e-6);
  }

  @Test
  void linearWarmupThenLinearDecay() {
    LinearSchedule s = new LinearSchedule(1f, 10, 110);
    assertEquals(0f, s.at(0));
    assertEquals(0.5f, s.at(5), 1e-7);
    assertEquals(1f, s.at(10), 1e-7);
    assertEquals(0.5f, s.at(60), 1e-7);
    assertEquals(0f, s.at(110), 1e-7);
    assertEquals(0f, s.at(200), 1e-7);
    assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(1f, 20, 10));
  }

  @Test
  void clipByGlobalNormScalesAllGradientsTogether() {
    Tensor a = Tensor.zeros(2).requiresGrad(true), b = Tensor.zeros(1).requiresGrad(true);
    a.setGrad(Tensor.of(new float[] {3f, 0f}, 2));
    b.setGrad(Tensor.of(new float[] {4f}, 1));
    double norm = GradClip.clipByGlobalNorm(List.of(a, b), 1.0);
    assertEquals(5.0, norm, 1e-9);
    assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-5);
    assertEquals(0.6f, a.grad().get(0), 1e-6);
    assertEquals(0.8f, b.grad().get(0), 1e-6);
    // below the threshold nothing changes
    assertEquals(1.0, GradClip.clipByGlobalNorm(List.of(a, b), 10.0), 1e-5);
    assertEquals(0.6f, a.grad().get(0), 1e-6);
  }

  @Test
  void aSmallModelLearns() {
    // least squares y = 2x - 1 with AdamW: the loss must fall by orders of magnitude
    Tensor w = Tensor.zeros(1, 1).requiresGrad(true), bias = Tensor.zeros(1).requiresGrad(true);
    Tensor x = Tensor.uniform(3, -1, 1, 64, 1);
    Tensor y = x.mul(2f).sub(1f);
    AdamW opt = new AdamW(List.of(new ParamGroup(List.of(w, bias), 0f)), 0.1f, 0.9f, 0.999f, 1e-8f);
    float first = 0, last = 0;
    for (int step = 0; step < 300; step++) {
      opt.zeroGrad();
      Tensor loss = x.matmul(w).add(bias).sub(y).pow(2f).mean();
      if (step == 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    assertTrue(last < first * 1e-3, "loss " + first + " -> " + last);
    assertEquals(2f, w.get(0, 0), 0.05f);
  }
}
