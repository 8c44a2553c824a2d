package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewGradientTest {

  /** Multiplies by a position-dependent factor so a gradient sent to the wrong element is caught. */
  private static Tensor marker(Tensor t) {
    float[] m = new float[t.numel()];
    for (int i = 0; i < m.length; i++) m[i] = 1 + i;
    return t.mul(Tensor.of(m, t.shape()));
  }

  private static double[] markerRef(double[] x) {
    double[] r = new double[x.length];
    for (int i = 0; i < r.length; i++) r[i] = x[i] * (1 + i);
    return r;
  }

  @Test
  void reshapeTransposePermute() {
    GradCheck.of("reshape").input(1, -1, 1, 2, 6).check(in -> marker(in.get(0).reshape(3, -1)), x -> markerRef(x[0]));
    GradCheck.of("transpose").input(2, -1, 1, 3, 4).check(in -> marker(in.get(0).transpose(0, 1).contiguous()),
        x -> markerRef(DoubleRef.transposeLast2(x[0], 1, 3, 4)));
    GradCheck.of("permute").input(3, -1, 1, 2, 3, 4).check(in -> marker(in.get(0).permute(2, 0, 1).reshape(4, 6)), x -> {
      double[] r = new double[24];
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
          for (int k = 0; k < 4; k++) r[(k * 2 + i) * 3 + j] = x[0][(i * 3 + j) * 4 + k];
      return markerRef(r);
    });
  }

  @Test
  void sliceAndConcat() {
    GradCheck.of("slice").input(1, -1, 1, 4, 5).check(in -> marker(in.get(0).slice(1, 1, 4)), x -> {
      double[] r = new double[12];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) r[i * 3 + j] = x[0][i * 5 + j + 1];
      return markerRef(r);
    });
    GradCheck.of("concat").input(2, -1, 1, 2, 3).input(3, -1, 1, 2, 1)
        .check(in -> marker(Tensor.concat(List.of(in.get(0), in.get(1)), 1)), x -> {
          double[] r = new double[8];
          for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) r[i * 4 + j] = x[0][i * 3 + j];
            r[i * 4 + 3] = x[1][i];
          }
          return markerRef(r);
        });
  }

  @Test
  void expandSumsTheGradientBack() {
    GradCheck.of("expand").input(1, -1, 1, 3, 1).check(in -> marker(in.get(0).expand(2, 3, 4)), x -> {
      double[] r = new double[24];
      for (int i = 0; i < 24; i++) r[i] = x[0][(i / 4) % 3];
      return markerRef(r);
    });
  }

  @Test
  void viewsShareStorageAndReshapeOfContiguousIsAView() {
    Tensor t = Tensor.randn(1, 4, 6);
    Tensor r = t.reshape(2, 12);
    assertSame(t.storage(), r.storage());
    assertSame(t.storage(), t.t().storage());
    assertSame(t.storage(), t.slice(1, 2, 5).storage());
    assertArrayEquals(new float[] {t.get(1, 2), t.get(1, 3), t.get(1, 4)}, t.slice(1, 2, 5).slice(0, 1, 2).toFloatArray());
  }

  @Test
  void badViewsThrow() {
    assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
    assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).slice(1, 2, 5));
    assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).permute(0, 0));
    assertThrows(ShapeException.class, () -> Tensor.concat(List.of(Tensor.zeros(2, 3), Tensor.zeros(3, 3)), 1));
  }
}
