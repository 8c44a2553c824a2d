package dev.embed4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@link VectorMath#exp} within 2 ulp of the correctly rounded e^x over the float range, vector and scalar. */
class VectorMathTest {
  @Test
  void expWithinTwoUlp() {
    SplittableRandom r = new SplittableRandom(1);
    int lanes = FloatVector.SPECIES_PREFERRED.length();
    float[] x = new float[lanes], y = new float[lanes];
    for (int trial = 0; trial < 20_000; trial++) {
      for (int i = 0; i < lanes; i++) x[i] = (float) r.nextDouble(-87.3, 88.7);
      VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
      for (int i = 0; i < lanes; i++) {
        float want = (float) Math.exp(x[i]);
        assertTrue(Math.abs(y[i] - want) <= 2 * Math.ulp(want), "exp(" + x[i] + ") = " + y[i] + ", want " + want);
        assertTrue(Math.abs(VectorMath.exp(x[i]) - want) <= 2 * Math.ulp(want), "scalar exp(" + x[i] + ")");
      }
    }
  }

  @Test
  void expEdges() {
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, 88.72283f, 88.7229f, -87.33654f, -88f, -1e30f};
    float[] want = {Float.NaN, Float.POSITIVE_INFINITY, 0f, 1f, (float) Math.exp(88.72283f), Float.POSITIVE_INFINITY,
        (float) Math.exp(-87.33654f), 0f, 0f};
    for (int i = 0; i < x.length; i++) {
      float tol = Float.isFinite(want[i]) ? 2 * Math.ulp(want[i]) : 0f;
      float v = VectorMath.exp(FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, x[i])).lane(0);
      assertEquals(want[i], v, tol, "exp(" + x[i] + ")");
      assertEquals(want[i], VectorMath.exp(x[i]), tol, "scalar exp(" + x[i] + ")");
    }
  }
}
