package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import org.junit.jupiter.api.Test;

class LayerNormGradientTest {
  @Test
  void layerNormWithWeightBiasAndEps() {
    for (int cols : new int[] {1, 2, 7, 33}) {
      int rows = 3;
      float eps = 1e-5f;
      GradCheck.of("layerNorm " + cols).input(1, -2, 2, rows, cols).input(2, 0.5f, 1.5f, cols).input(3, -0.5f, 0.5f, cols)
          .tolerance(5e-3, 5e-4)
          .check(in -> Functional.layerNorm(in.get(0), in.get(1), in.get(2), eps), x -> {
            double[] y = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
              double mu = 0, var = 0;
              for (int c = 0; c < cols; c++) mu += x[0][r * cols + c];
              mu /= cols;
              for (int c = 0; c < cols; c++) var += Math.pow(x[0][r * cols + c] - mu, 2);
              var /= cols;
              for (int c = 0; c < cols; c++) {
                y[r * cols + c] = (x[0][r * cols + c] - mu) / Math.sqrt(var + eps) * x[1][c] + x[2][c];
              }
            }
            return y;
          });
    }
  }

  @Test
  void wrongWeightShapeIsNamed() {
    ShapeException e = assertThrows(ShapeException.class,
        () -> Functional.layerNorm(Tensor.zeros(2, 4), Tensor.ones(3), Tensor.zeros(4), 1e-5f));
    assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("[3]"), e.getMessage());
  }
}
