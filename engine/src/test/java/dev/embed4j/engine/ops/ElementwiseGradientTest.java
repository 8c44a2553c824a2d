package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.cpu.Erf;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ElementwiseGradientTest {

  static java.util.stream.Stream<Arguments> broadcastShapes() {
    return java.util.stream.Stream.of(
        Arguments.of(new int[] {3, 5}, new int[] {3, 5}),
        Arguments.of(new int[] {3, 5}, new int[] {5}),
        Arguments.of(new int[] {3, 1}, new int[] {1, 7}),
        Arguments.of(new int[] {2, 3, 4}, new int[] {3, 1}),
        Arguments.of(new int[] {1}, new int[] {2, 1, 3}),
        Arguments.of(new int[] {}, new int[] {4, 2}),
        Arguments.of(new int[] {1, 1}, new int[] {1, 1}));
  }

  private static void checkBinary(String name, int[] as, int[] bs, float lo, float hi,
      java.util.function.BinaryOperator<Tensor> f, DoubleBinaryOperator ref) {
    GradCheck.of(name + " " + java.util.Arrays.toString(as) + " ∘ " + java.util.Arrays.toString(bs))
        .input(1, lo, hi, as).input(2, lo, hi, bs)
        .check(in -> f.apply(in.get(0), in.get(1)), x -> DoubleRef.binary(x[0], as, x[1], bs, ref));
  }

  @ParameterizedTest
  @MethodSource("broadcastShapes")
  void addSubMulDivWithBroadcasting(int[] as, int[] bs) {
    checkBinary("add", as, bs, -2, 2, Tensor::add, Double::sum);
    checkBinary("sub", as, bs, -2, 2, Tensor::sub, (a, b) -> a - b);
    checkBinary("mul", as, bs, -2, 2, Tensor::mul, (a, b) -> a * b);
    checkBinary("div", as, bs, 0.5f, 2, Tensor::div, (a, b) -> a / b);
  }

  private static void checkUnary(String name, float lo, float hi, UnaryOperator<Tensor> f, DoubleUnaryOperator ref) {
    int[] shape = {3, 7};
    GradCheck.of(name).input(3, lo, hi, shape).check(in -> f.apply(in.get(0)), x -> {
      double[] r = new double[x[0].length];
      for (int i = 0; i < r.length; i++) r[i] = ref.applyAsDouble(x[0][i]);
      return r;
    });
  }

  @Test
  void unaryFunctions() {
    checkUnary("exp", -3, 3, Tensor::exp, Math::exp);
    checkUnary("log", 0.2f, 5, Tensor::log, Math::log);
    checkUnary("sqrt", 0.2f, 5, Tensor::sqrt, Math::sqrt);
    checkUnary("pow 3", -2, 2, t -> t.pow(3f), v -> v * v * v);
    checkUnary("pow 0.5", 0.3f, 4, t -> t.pow(0.5f), Math::sqrt);
    checkUnary("pow -1.5", 0.3f, 4, t -> t.pow(-1.5f), v -> Math.pow(v, -1.5));
    checkUnary("neg", -2, 2, Tensor::neg, v -> -v);
    checkUnary("tanh", -3, 3, Tensor::tanh, Math::tanh);
    checkUnary("scale", -3, 3, t -> t.mul(2.5f), v -> 2.5 * v);
    checkUnary("add scalar", -3, 3, t -> t.add(0.75f), v -> v + 0.75);
    checkUnary("relu", -3, 3, Tensor::relu, v -> Math.max(v, 0));
  }

  @Test
  void geluMatchesTheErfFormAndItsDerivative() {
    checkUnary("gelu", -4, 4, Tensor::gelu, v -> 0.5 * v * (1 + erfSeries(v / Math.sqrt(2))));
    // known values of the exact erf GELU (BERT), not the tanh approximation
    float[] y = Tensor.of(new float[] {-1f, 0f, 1f, 2f}, 4).gelu().toFloatArray();
    assertArrayEquals(new float[] {-0.15865526f, 0f, 0.8413447f, 1.9544997f}, y, 2e-6f);
  }

  /** erf by its Maclaurin series: independent of the engine's approximation. */
  private static double erfSeries(double x) {
    double sum = 0, term = x;
    for (int n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  @Test
  void erfIsAccurateToFloatPrecision() {
    for (double x = -4; x <= 4; x += 0.01) {
      assertTrue(Math.abs(Erf.erf(x) - erfSeries(x)) < 2e-7, "erf(" + x + ")");
    }
  }

  @Test
  void maskedFillBlocksTheGradientOfFilledPositions() {
    int[] shape = {2, 5};
    double[] mask = {0, 1, 0, 0, 1};
    float[] maskF = new float[5];
    for (int i = 0; i < 5; i++) maskF[i] = (float) mask[i];
    GradCheck.of("maskedFill").input(4, -2, 2, shape).check(in -> in.get(0).maskedFill(Tensor.of(maskF, 5), -7f), x -> {
      double[] r = x[0].clone();
      for (int i = 0; i < r.length; i++) if (mask[i % 5] != 0) r[i] = -7;
      return r;
    });
  }

  @Test
  void incompatibleShapesNameTheOpAndBothShapes() {
    ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
    assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
        e.getMessage());
  }
}
