package dev.embed4j.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.embed4j.engine.cpu.CpuBackend;
import dev.embed4j.engine.cpu.ReductionKernels;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The SPI's default methods, which a backend that does not override them (CUDA, for some) runs: here
 * through a proxy that forwards every abstract method to the CPU backend and runs the defaults as written.
 */
class BackendDefaultsTest {
  private static Backend defaultsOverCpu() {
    InvocationHandler h = (proxy, method, args) -> {
      if (method.isDefault()) return InvocationHandler.invokeDefault(proxy, method, args);
      try {
        return method.invoke(CpuBackend.INSTANCE, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
  }

  @Test
  void sumOfSquaresOfSeveralRangesByDefaultAddsTheSingleSums() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(9);
    int[] sizes = {1, 37, 1000, 5};
    Storage[] xs = new Storage[sizes.length];
    int[] offsets = {0, 3, 10, 1}, counts = new int[sizes.length];
    double want = 0;
    for (int i = 0; i < sizes.length; i++) {
      float[] x = new float[offsets[i] + sizes[i]];
      for (int j = 0; j < x.length; j++) x[j] = (float) (r.nextDouble() * 2 - 1);
      xs[i] = b.upload(x);
      counts[i] = sizes[i];
      for (int j = offsets[i]; j < x.length; j++) want += (double) x[j] * x[j];
    }
    assertEquals(want, b.sumOfSquares(xs, offsets, counts), 1e-6 * want); // the CPU kernel sums float vector lanes per block
    assertEquals(0.0, b.sumOfSquares(new Storage[0], new int[0], new int[0]));
  }

  @Test
  void sumColumnsByDefaultIsAProductWithOnesAndAgreesWithTheCpuKernel() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(4);
    for (int[] s : new int[][] {{1, 1}, {37, 5}, {300, 384}, {2, 1031}}) {
      int rows = s[0], cols = s[1];
      float[] x = new float[rows * cols];
      for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 1);
      Storage in = b.upload(x), out = b.allocate(cols);
      b.sumColumns(in, rows, cols, out);
      float[] got = new float[cols], want = new float[cols];
      b.download(out, 0, got, 0, cols);
      ReductionKernels.sumColumns(x, rows, cols, want);
      for (int c = 0; c < cols; c++) {
        double mass = 0;
        for (int i = 0; i < rows; i++) mass += Math.abs(x[i * cols + c]);
        assertEquals(want[c], got[c], 1e-5 * mass, "column " + c + " of " + rows + "×" + cols);
      }
    }
  }

  /**
   * The GELU-with-derivative default (unary, then unaryBackward against ones) and the CPU kernel's one pass
   * give the same bits, on lengths with and without a vector tail; and the qkv-attention defaults refuse.
   */
  @Test
  void geluWithDerivativeByDefaultEqualsTheCpuKernel() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(8);
    for (int n : new int[] {1, 7, 8, 1003}) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 12 - 6);
      float[][] y = new float[2][n], d = new float[2][n];
      Backend[] backends = {b, CpuBackend.INSTANCE};
      for (int k = 0; k < 2; k++) {
        Storage xs = backends[k].upload(x), ys = backends[k].allocate(n), ds = backends[k].allocate(n);
        backends[k].geluWithDerivative(xs, ys, ds, n);
        backends[k].download(ys, 0, y[k], 0, n);
        backends[k].download(ds, 0, d[k], 0, n);
      }
      org.junit.jupiter.api.Assertions.assertArrayEquals(y[0], y[1], "GELU, n = " + n);
      org.junit.jupiter.api.Assertions.assertArrayEquals(d[0], d[1], "GELU', n = " + n);
    }
    org.junit.jupiter.api.Assertions.assertFalse(b.hasQkvAttention());
    org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
        () -> b.qkvAttention(null, null, null, null, 1, 1, 1, 1, 1f, 0f, 0L));
  }

  /**
   * The default linear (gemm, broadcast add, GELU through a temporary) against the CPU's fused epilogue, with
   * and without GELU and its derivative: the same bits, on shapes with and without vector tails.
   */
  @Test
  void linearByDefaultEqualsTheFusedCpuKernel() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(9);
    int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {17, 33, 64}, {130, 64, 40}};
    for (int[] sh : shapes) {
      int m = sh[0], k = sh[1], n = sh[2];
      float[] x = new float[m * k], w = new float[n * k], bias = new float[n];
      for (float[] a : new float[][] {x, w, bias}) for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
      for (int mode = 0; mode < 3; mode++) {
        boolean gelu = mode > 0, withD = mode == 2;
        float[][] y = new float[2][m * n], d = new float[2][m * n];
        Backend[] backends = {b, CpuBackend.INSTANCE};
        for (int t = 0; t < 2; t++) {
          Backend be = backends[t];
          Storage ys = be.allocate(m * n), ds = withD ? be.allocate(m * n) : null;
          be.linear(be.upload(x), be.upload(w), be.upload(bias), m, k, n, gelu, ys, ds);
          be.download(ys, 0, y[t], 0, m * n);
          if (withD) be.download(ds, 0, d[t], 0, m * n);
        }
        String what = m + "x" + k + "x" + n + (gelu ? " gelu" : "") + (withD ? " with d" : "");
        // rows of whole vectors: the same bits; otherwise a row's tail takes the scalar GELU, where the default
        // runs the vector one over the flattened array: within an ulp or two
        float tol = n % jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() == 0 ? 0f : 1e-6f;
        org.junit.jupiter.api.Assertions.assertArrayEquals(y[0], y[1], tol, "y, " + what);
        org.junit.jupiter.api.Assertions.assertArrayEquals(d[0], d[1], tol, "d, " + what);
      }
    }
  }

  /** The default linearDropoutAdd (linear, dropout, add) against the CPU's epilogue: the same bits. */
  @Test
  void linearDropoutAddByDefaultEqualsTheFusedCpuKernel() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(10);
    for (int[] sh : new int[][] {{1, 1, 1}, {3, 5, 7}, {130, 64, 40}}) {
      int m = sh[0], k = sh[1], n = sh[2];
      float[] x = new float[m * k], w = new float[n * k], bias = new float[n], res = new float[m * n];
      for (float[] a : new float[][] {x, w, bias, res}) for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
      for (float p : new float[] {0f, 0.25f}) {
        float[][] y = new float[2][m * n];
        Backend[] backends = {b, CpuBackend.INSTANCE};
        for (int t = 0; t < 2; t++) {
          Backend be = backends[t];
          Storage ys = be.allocate(m * n);
          be.linearDropoutAdd(be.upload(x), be.upload(w), be.upload(bias), m, k, n, p, 77L, be.upload(res), ys);
          be.download(ys, 0, y[t], 0, m * n);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(y[0], y[1], m + "x" + k + "x" + n + " p " + p);
      }
    }
  }

  /**
   * The default rows-only forward with its gradient (a forward, then the backward for gRowLse = 1) against the
   * CPU kernel's one sweep, with a mask and a hardness penalty on the in-batch negatives: rowLse and the
   * diagonal the same bits (the same GEMM and passes), the gradients within float rounding (one sweep folds
   * the row term without recomputing).
   */
  @Test
  void pairwiseRowGradientByDefaultEqualsTheCpuKernelWithHardness() {
    Backend b = defaultsOverCpu();
    SplittableRandom r = new SplittableRandom(12);
    int n = 6, m = 18, d = 5;
    float[] x = new float[n * d], y = new float[m * d];
    for (float[] a : new float[][] {x, y}) for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    int[] ms = new int[n], me = new int[n];
    for (int i = 0; i < n; i++) {
      ms[i] = i;
      me[i] = i + 1;
    }
    float[][] row = new float[2][n], diag = new float[2][n], gA = new float[2][n * d], gB = new float[2][m * d];
    Backend[] backends = {b, CpuBackend.INSTANCE};
    for (int t = 0; t < 2; t++) {
      Backend be = backends[t];
      Storage rs = be.allocate(n), ds = be.allocate(n), gas = be.allocate(n * d), gbs = be.allocate(m * d);
      be.pairwiseLogSumExpWithRowGradient(be.upload(x), be.upload(y), n, m, d, 20f, ms, me, Integer.MAX_VALUE, 9f, ms,
          me, n, true, rs, ds, gas, gbs);
      be.download(rs, 0, row[t], 0, n);
      be.download(ds, 0, diag[t], 0, n);
      be.download(gas, 0, gA[t], 0, n * d);
      be.download(gbs, 0, gB[t], 0, m * d);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(row[1], row[0], "rowLse");
    org.junit.jupiter.api.Assertions.assertArrayEquals(diag[1], diag[0], "diag");
    org.junit.jupiter.api.Assertions.assertArrayEquals(gA[1], gA[0], 1e-5f, "gA");
    org.junit.jupiter.api.Assertions.assertArrayEquals(gB[1], gB[0], 1e-5f, "gB");
  }
}
