package dev.embed4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.losses.EncoderLoss;
import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.TinyModels;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.data.MultiDatasetBatchSampler;
import dev.embed4j.model.data.PromptedText;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Balancing: two tasks whose losses differ in scale by 10 move the shared encoder by gradients of equal norm
 * once balancing is on, and by norms 10 apart without it; weights then set the ratio.
 */
class TaskBalancerTest {
  @Test
  void constantNormsComeOutEqualAndWeightedAndTheFirstStepIsExact() {
    TaskBalancer b = new TaskBalancer(new float[] {1f, 1f}, true, 0.9);
    double a = b.scale(0, 2.0) * 2.0; // first step of task 0: G = its own norm
    assertEquals(2.0, a, 1e-12);
    b.scale(1, 20.0);
    for (int i = 0; i < 20; i++) {
      double n0 = b.scale(0, 2.0) * 2.0, n1 = b.scale(1, 20.0) * 20.0;
      assertEquals(n0, n1, 1e-9 * n0, "step " + i);
      assertEquals(11.0, n1, 1e-9, "G is the mean of the running norms, (2 + 20) / 2");
    }
    TaskBalancer w = new TaskBalancer(new float[] {1f, 0.5f}, true, 0.9);
    for (int i = 0; i < 5; i++) {
      double n0 = w.scale(0, 3.0) * 3.0, n1 = w.scale(1, 30.0) * 30.0;
      if (i > 0) assertEquals(0.5, n1 / n0, 1e-9);
    }
    TaskBalancer off = new TaskBalancer(new float[] {1f, 0.25f}, false, 0.9);
    assertEquals(0.25, off.scale(1, 123.0), 0.0, "without balancing the factor is the weight");
    TaskBalancer resumed = new TaskBalancer(new float[] {1f, 1f}, true, 0.9);
    resumed.setState(b.state());
    assertEquals(b.scale(0, 5.0), resumed.scale(0, 5.0), 0.0, "the state carries over");
  }

  /** Per task, the mean of the gradient norm the optimiser saw, over the run's last {@code last} steps of each. */
  private static double[] meanNorms(boolean balance, float weightB, int steps) throws Exception {
    return meanNorms(balance, weightB, steps, 0f, "grad_norm");
  }

  private static double[] meanNorms(boolean balance, float weightB, int steps, float maxGradNorm, String key)
      throws Exception {
    var model = new EncoderTrainable(TinyModels.encoder(new Pooling(Pooling.Mode.MEAN, false), true, 5));
    EncoderLoss<PromptedText> plain = EncoderLoss.of(new MultipleNegativesRankingLoss());
    EncoderLoss<PromptedText> loud = (m, columns, labels, random) -> plain.forward(m, columns, labels, random).mul(10f);
    Trainer.Result r = Trainer.builder().model(model)
        .task("quiet", TrainerTest.pairs("quiet", 64, 0), plain)
        .task("loud", TrainerTest.pairs("loud", 64, 5), loud, weightB)
        .sampler(MultiDatasetBatchSampler.Mode.ROUND_ROBIN).batchSize(8).learningRate(1e-4f).maxGradNorm(maxGradNorm).seed(3)
        .maxSteps(steps).evalEvery(-1).balanceTasks(balance).build().fit();
    double[] sum = new double[2];
    int[] n = new int[2];
    List<Map<String, Object>> h = r.history();
    for (Map<String, Object> rec : h.subList(h.size() / 2, h.size())) { // the second half: the running norms have settled
      int t = rec.containsKey("loss/quiet") ? 0 : 1;
      sum[t] += ((Number) rec.get(key)).doubleValue();
      n[t]++;
    }
    return new double[] {sum[0] / n[0], sum[1] / n[1]};
  }

  @Test
  void balancingEqualisesTheTasksGradientNormsOnTheEncoder() throws Exception {
    double[] off = meanNorms(false, 1f, 24);
    assertTrue(off[1] / off[0] > 5, "without balancing the loud task's gradient is ~10x: " + off[0] + " vs " + off[1]);
    double[] on = meanNorms(true, 1f, 24);
    assertEquals(1.0, on[1] / on[0], 0.15, "balanced: " + on[0] + " vs " + on[1]);
    double[] weighted = meanNorms(true, 0.5f, 24);
    assertEquals(0.5, weighted[1] / weighted[0], 0.1, "weight 0.5 on the loud task: " + weighted[0] + " vs " + weighted[1]);
  }

  /**
   * A task's weight survives clipping: with max_grad_norm far below both tasks' norms, the gradient the optimiser
   * applies has the clip's norm times the weight (before, the weight was applied first and the clip undid it, so both
   * tasks got the clip's norm whatever their weights).
   */
  @Test
  void weightsSurviveClipping() throws Exception {
    double[] weighted = meanNorms(false, 0.5f, 12, 1e-3f, "grad_norm_applied");
    assertEquals(1e-3, weighted[0], 1e-5, "the quiet task, weight 1, clipped to max_grad_norm");
    assertEquals(0.5e-3, weighted[1], 1e-5, "the loud task, weight 0.5: half of max_grad_norm");
  }
}
