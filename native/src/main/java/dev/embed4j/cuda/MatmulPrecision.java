package dev.embed4j.cuda;

/**
 * How cuBLAS multiplies float32 matrices. {@link #FP32} (the default) is exact float32 arithmetic, the
 * same as the CPU up to summation order. {@link #TF32} lets the tensor cores round the inputs to TF32
 * (10-bit mantissa) while accumulating in float32: about 8× the FP32 throughput on an H100, with relative
 * errors near 1e-3 instead of 1e-6. Chosen per backend with {@link CudaBackend#setMatmulPrecision}, or for
 * the whole process with {@code -Dembed4j.cuda.matmul=tf32}.
 */
public enum MatmulPrecision {
  FP32, TF32;

  static MatmulPrecision fromSystemProperty() {
    String v = System.getProperty("embed4j.cuda.matmul", "fp32").trim().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "fp32", "" -> FP32;
      case "tf32" -> TF32;
      default -> throw new IllegalArgumentException("-Dembed4j.cuda.matmul=" + v + ": expected fp32 or tf32");
    };
  }
}
