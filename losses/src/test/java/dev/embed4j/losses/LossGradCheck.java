package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A scalar loss against a plain float64 implementation: the value, then every gradient element of
 * every input against central differences (h = 1e-6) of the double implementation.
 */
final class LossGradCheck {
  @FunctionalInterface
  interface Reference {
    double apply(double[][] inputs);
  }

  private final String name;
  private final List<double[]> values = new ArrayList<>();
  private final List<int[]> shapes = new ArrayList<>();
  private double rtol = 2e-3, atol = 5e-4;

  private LossGradCheck(String name) {
    this.name = name;
  }

  static LossGradCheck of(String name) {
    return new LossGradCheck(name);
  }

  /** An input of [rows, dim] Gaussian values (rounded to float). */
  LossGradCheck input(long seed, int rows, int dim) {
    Random r = new Random(seed);
    double[] v = new double[rows * dim];
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
    values.add(v);
    shapes.add(new int[] {rows, dim});
    return this;
  }

  /** An input of [rows, dim] given values (rounded to float). */
  LossGradCheck input(double[] given, int rows, int dim) {
    double[] v = new double[rows * dim];
    for (int i = 0; i < v.length; i++) v[i] = (float) given[i];
    values.add(v);
    shapes.add(new int[] {rows, dim});
    return this;
  }

  LossGradCheck tolerance(double rtol, double atol) {
    this.rtol = rtol;
    this.atol = atol;
    return this;
  }

  double[][] values() {
    double[][] c = new double[values.size()][];
    for (int i = 0; i < c.length; i++) c[i] = values.get(i).clone();
    return c;
  }

  void check(Function<List<Tensor>, Tensor> engine, Reference reference) {
    List<Tensor> inputs = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      float[] f = new float[values.get(i).length];
      for (int j = 0; j < f.length; j++) f[j] = (float) values.get(i)[j];
      inputs.add(Tensor.of(f, shapes.get(i)).requiresGrad(true));
    }
    Tensor loss = engine.apply(inputs);
    if (loss.numel() != 1) fail(name + ": the loss is not a scalar: " + loss);
    double expected = reference.apply(values());
    close(name + " value", expected, loss.item());
    loss.backward();
    double h = 1e-6;
    for (int in = 0; in < values.size(); in++) {
      Tensor g = inputs.get(in).grad();
      if (g == null) fail(name + ": input " + in + " got no gradient");
      float[] analytic = g.toFloatArray();
      double[] x = values.get(in);
      for (int j = 0; j < x.length; j++) {
        double keep = x[j];
        x[j] = keep + h;
        double plus = reference.apply(values());
        x[j] = keep - h;
        double minus = reference.apply(values());
        x[j] = keep;
        close(name + " d/d input" + in + "[" + j / shapes.get(in)[1] + ", " + j % shapes.get(in)[1] + "]",
            (plus - minus) / (2 * h), analytic[j]);
      }
    }
  }

  private void close(String what, double expected, double actual) {
    double tol = atol + rtol * Math.abs(expected);
    assertTrue(Math.abs(expected - actual) <= tol, () -> what + ": expected " + expected + ", got " + actual);
  }
}
