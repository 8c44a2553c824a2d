package dev.embed4j.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.embed4j.engine.GradCheck;
import dev.embed4j.engine.Tensor;
import org.junit.jupiter.api.Test;

class ReductionGradientTest {
  private static final int[] SHAPE = {3, 4, 5};

  /** Sum over the flagged axes of a [3, 4, 5] array, result in row-major order of the kept axes. */
  private static double[] sumRef(double[] x, boolean[] reduce) {
    int[] outShape = new int[3];
    for (int d = 0; d < 3; d++) outShape[d] = reduce[d] ? 1 : SHAPE[d];
    double[] out = new double[Tensor.numel(outShape)];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 5; k++) {
          int o = DoubleRef.index(outShape, reduce[0] ? 0 : i, reduce[1] ? 0 : j, reduce[2] ? 0 : k);
          out[o] += x[DoubleRef.index(SHAPE, i, j, k)];
        }
    return out;
  }

  @Test
  void sumOverEachAxisAndCombinations() {
    boolean[][] cases = {{true, false, false}, {false, true, false}, {false, false, true}, {true, false, true},
        {true, true, false}, {true, true, true}};
    for (boolean[] c : cases) {
      int count = 0;
      for (boolean b : c) if (b) count++;
      int[] axes = new int[count];
      for (int d = 0, i = 0; d < 3; d++) if (c[d]) axes[i++] = d;
      GradCheck.of("sum " + java.util.Arrays.toString(axes)).input(1, -1, 1, SHAPE)
          .check(in -> in.get(0).sum(axes, false), x -> sumRef(x[0], c));
      GradCheck.of("sum keepDim " + java.util.Arrays.toString(axes)).input(1, -1, 1, SHAPE)
          .check(in -> in.get(0).sum(axes, true), x -> sumRef(x[0], c));
    }
  }

  /** Leading axes of a strided view: the column sum runs on a dense copy, and the gradient flows back. */
  @Test
  void sumOverTheLeadingAxisOfAPermutedView() {
    GradCheck.of("permute(1,0,2).sum(0)").input(3, -1, 1, SHAPE)
        .check(in -> in.get(0).permute(1, 0, 2).sum(new int[] {0}, false),
            x -> sumRef(x[0], new boolean[] {false, true, false}));
  }

  @Test
  void meanAndNegativeAxes() {
    GradCheck.of("mean(-1)").input(2, -1, 1, SHAPE).check(in -> in.get(0).mean(-1, false), x -> {
      double[] s = sumRef(x[0], new boolean[] {false, false, true});
      for (int i = 0; i < s.length; i++) s[i] /= 5;
      return s;
    });
    GradCheck.of("mean()").input(2, -1, 1, SHAPE).check(in -> in.get(0).mean(), x -> {
      double s = 0;
      for (double v : x[0]) s += v;
      return new double[] {s / x[0].length};
    });
  }

  @Test
  void sumKeepsShapeRules() {
    Tensor t = Tensor.ones(2, 3, 4);
    assertArrayEquals(new int[] {2, 4}, t.sum(1, false).shape());
    assertArrayEquals(new int[] {2, 1, 4}, t.sum(1, true).shape());
    assertArrayEquals(new int[] {}, t.sum().shape());
    assertArrayEquals(new float[] {24f}, t.sum().toFloatArray());
  }
}
