package dev.embed4j.engine.cpu.gemm;

/**
 * One single-precision GEMM implementation for the CPU: C = alpha·op(A)·op(B) + beta·C, row-major, where
 * op(A) is m×k and op(B) is k×n. With {@code transA} A is stored k×m (element (i, p) at p·lda + i);
 * with {@code transB} B is stored n×k. C is m×n with leading dimension ldc.
 *
 * <p>A variant (another tiling, say) is one class implementing this interface, registered in
 * {@link GemmKernels} or listed as a {@link java.util.ServiceLoader} service; it is then chosen by name
 * ({@code -Dembed4j.gemm=NAME} or {@link GemmKernels#use}) and JMH compares variants side by side
 * without touching the ops that call GEMM.
 */
public interface GemmKernel {
  String name();

  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
}
