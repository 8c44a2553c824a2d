package dev.embed4j.engine.cpu.reference;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.cpu.Erf;

/**
 * The scalar twins of the element-wise kernels: one loop each, math in double, nothing clever. The
 * vectorised kernels are tested against these.
 */
public final class ElementwiseReference {
  private ElementwiseReference() {}

  public static float apply(UnaryOp op, float param, float x) {
    double v = x;
    return (float) switch (op) {
      case EXP -> Math.exp(v);
      case LOG -> Math.log(v);
      case SQRT -> Math.sqrt(v);
      case NEG -> -v;
      case TANH -> Math.tanh(v);
      case GELU -> Erf.gelu(v);
      case POW -> Math.pow(v, param);
      case SCALE -> v * param;
      case ADD_SCALAR -> v + param;
      case RELU -> v > 0 ? v : 0.0;
    };
  }

  /** f'(x)·gy, using whichever of x and y = f(x) the derivative is simplest in. */
  public static float derivative(UnaryOp op, float param, float x, float y, float gy) {
    double g = gy;
    return (float) switch (op) {
      case EXP -> g * y;
      case LOG -> g / x;
      case SQRT -> g * 0.5 / y;
      case NEG -> -g;
      case TANH -> g * (1.0 - (double) y * y);
      case GELU -> g * Erf.geluDerivative(x);
      case POW -> g * param * Math.pow(x, param - 1.0);
      case SCALE -> g * param;
      case ADD_SCALAR -> g;
      case RELU -> x > 0 ? g : 0.0;
    };
  }

  public static void unary(UnaryOp op, float param, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) y[yOff + i] = apply(op, param, x[xOff + i]);
  }

  public static void unaryBackward(UnaryOp op, float param, float[] x, float[] y, float[] gy, float[] gx, int n) {
    for (int i = 0; i < n; i++) gx[i] = derivative(op, param, x[i], y[i], gy[i]);
  }

  public static float apply(BinaryOp op, float param, float a, float b) {
    return switch (op) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
      case MASK_FILL -> b != 0f ? param : a;
    };
  }

  /** out (contiguous) = a ∘ b over shape, inputs read through strides. */
  public static void binary(BinaryOp op, float param, float[] a, int aOff, int[] aSt, float[] b, int bOff, int[] bSt,
      float[] out, int[] shape) {
    int rank = shape.length, n = 1;
    for (int s : shape) n *= s;
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      int ia = aOff, ib = bOff;
      for (int d = 0; d < rank; d++) {
        ia += idx[d] * aSt[d];
        ib += idx[d] * bSt[d];
      }
      out[i] = apply(op, param, a[ia], b[ib]);
      for (int d = rank - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
    }
  }

  public static void copy(float[] src, int srcOff, int[] srcSt, float[] dst, int dstOff, int[] dstSt, int[] shape) {
    int rank = shape.length, n = 1;
    for (int s : shape) n *= s;
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      int is = srcOff, id = dstOff;
      for (int d = 0; d < rank; d++) {
        is += idx[d] * srcSt[d];
        id += idx[d] * dstSt[d];
      }
      dst[id] = src[is];
      for (int d = rank - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
    }
  }

  public static void sumRows(float[] x, int rows, int cols, float[] out) {
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int c = 0; c < cols; c++) s += x[r * cols + c];
      out[r] = (float) s;
    }
  }

  public static void sumColumns(float[] x, int rows, int cols, float[] out) {
    for (int c = 0; c < cols; c++) {
      double s = 0;
      for (int r = 0; r < rows; r++) s += x[r * cols + c];
      out[c] = (float) s;
    }
  }

  public static double sumOfSquares(float[] x, int off, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double) x[off + i] * x[off + i];
    return s;
  }

  public static void dropout(float[] x, float[] y, int n, float p, long seed) {
    float scale = 1f / (1f - p);
    for (int i = 0; i < n; i++) y[i] = Generator.uniform(seed, i) >= p ? x[i] * scale : 0f;
  }
}
