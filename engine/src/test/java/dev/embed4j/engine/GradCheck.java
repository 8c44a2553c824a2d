package dev.embed4j.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks an op's value and gradients against a plain float64 implementation of the same function:
 * the engine computes loss = Σ w ∘ f(x) in float32 with its analytic backward; the reference computes
 * the same loss in double, and central differences (h = 1e-6) of it give the expected gradients.
 */
public final class GradCheck {
  /** A function of double inputs (each row-major, with the shapes given to the check) returning f's output. */
  @FunctionalInterface
  public interface Reference {
    double[] apply(double[][] inputs);
  }

  private final String name;
  private final List<int[]> shapes = new ArrayList<>();
  private final List<double[]> values = new ArrayList<>();
  private double rtol = 2e-3, atol = 2e-4;

  private GradCheck(String name) {
    this.name = name;
  }

  public static GradCheck of(String name) {
    return new GradCheck(name);
  }

  /** Adds an input with uniform random values in [lo, hi). */
  public GradCheck input(long seed, float lo, float hi, int... shape) {
    Random r = new Random(seed);
    double[] v = new double[Tensor.numel(shape)];
    for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
    shapes.add(shape);
    values.add(v);
    return this;
  }

  /** Adds an input with the given values. */
  public GradCheck input(double[] v, int... shape) {
    shapes.add(shape);
    values.add(v.clone());
    return this;
  }

  public GradCheck tolerance(double rtol, double atol) {
    this.rtol = rtol;
    this.atol = atol;
    return this;
  }

  /** Runs the check: values within tolerance, then every gradient element. */
  public void check(Function<List<Tensor>, Tensor> engine, Reference reference) {
    List<Tensor> inputs = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      float[] f = new float[values.get(i).length];
      for (int j = 0; j < f.length; j++) f[j] = (float) values.get(i)[j];
      inputs.add(Tensor.of(f, shapes.get(i)).requiresGrad(true));
    }
    Tensor out = engine.apply(inputs);
    double[] refOut = reference.apply(copy(values));
    float[] got = out.toFloatArray();
    if (got.length != refOut.length) fail(name + ": engine output has " + got.length + " elements, reference " + refOut.length);
    for (int i = 0; i < got.length; i++) {
      assertClose(name + " value[" + i + "]", refOut[i], got[i]);
    }
    double[] w = new double[got.length];
    float[] wf = new float[got.length];
    Random r = new Random(12345);
    for (int i = 0; i < w.length; i++) {
      wf[i] = (float) (r.nextDouble() * 2 - 1);
      w[i] = wf[i];
    }
    Tensor loss = out.mul(Tensor.of(wf, out.shape())).sum();
    loss.backward();
    double h = 1e-6;
    for (int in = 0; in < shapes.size(); in++) {
      Tensor g = inputs.get(in).grad();
      if (g == null) fail(name + ": input " + in + " got no gradient");
      float[] analytic = g.toFloatArray();
      double[] x = values.get(in);
      for (int j = 0; j < x.length; j++) {
        double keep = x[j];
        x[j] = keep + h;
        double plus = dot(w, reference.apply(copy(values)));
        x[j] = keep - h;
        double minus = dot(w, reference.apply(copy(values)));
        x[j] = keep;
        double numeric = (plus - minus) / (2 * h);
        assertClose(name + " d/d input" + in + Arrays.toString(unravel(j, shapes.get(in))), numeric, analytic[j]);
      }
    }
  }

  private void assertClose(String what, double expected, double actual) {
    double tol = atol + rtol * Math.max(Math.abs(expected), Math.abs(actual));
    assertTrue(Math.abs(expected - actual) <= tol || Double.isNaN(expected) && Double.isNaN(actual),
        () -> what + ": expected " + expected + " but engine gave " + actual + " (tolerance " + tol + ")");
  }

  private static double dot(double[] w, double[] y) {
    double s = 0;
    for (int i = 0; i < w.length; i++) s += w[i] * y[i];
    return s;
  }

  private static double[][] copy(List<double[]> v) {
    double[][] c = new double[v.size()][];
    for (int i = 0; i < c.length; i++) c[i] = v.get(i).clone();
    return c;
  }

  private static int[] unravel(int flat, int[] shape) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
      flat = shape[d] == 0 ? 0 : flat / shape[d];
    }
    return idx;
  }

  /** Row-major flat index of idx in shape. */
  public static int index(int[] shape, int... idx) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
    return f;
  }
}
