package dev.embed4j.cuda;

/**
 * How cuBLAS multiplies float32 matrices. {@link #FP32} (the default) is exact float32 arithmetic, the
 * same as the CPU up to summation order. {@link #TF32} lets the tensor cores round the inputs to TF32
 * (10-bit mantissa) while accumulating in float32: about 8× the FP32 throughput on an H100, with relative
 * errors near 1e-3 instead of 1e-6. {@link #BF16} is the mixed-precision setting: cuBLAS rounds the float32
 * operands to bfloat16 (8-bit mantissa) for the tensor cores and accumulates in float32
 * ({@code CUBLAS_COMPUTE_32F_FAST_16BF}), about twice TF32's rate, with relative errors near 1e-2; weights,
 * activations and gradients stay float32 in memory (the master copies). Chosen per backend with
 * {@link CudaBackend#setMatmulPrecision}, or for the whole process with {@code -Dembed4j.cuda.matmul=tf32}
 * (or {@code bf16}).
 */
public enum MatmulPrecision {
  FP32, TF32, BF16;

  static MatmulPrecision fromSystemProperty() {
    String v = System.getProperty("embed4j.cuda.matmul", "fp32").trim().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "fp32", "" -> FP32;
      case "tf32" -> TF32;
      case "bf16" -> BF16;
      default -> throw new IllegalArgumentException("-Dembed4j.cuda.matmul=" + v + ": expected fp32, tf32 or bf16");
    };
  }
}
