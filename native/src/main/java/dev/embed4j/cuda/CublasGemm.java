package dev.embed4j.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F_FAST_16BF;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_GEMM_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasGemmEx;
import static org.bytedeco.cuda.global.cublas.cublasGemmStridedBatchedEx;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemmStridedBatched;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_R_32F;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The engine's row-major GEMM on cuBLAS, which is column-major.
 *
 * <p>The mapping: a row-major m×n matrix C with leading dimension ldc occupies exactly the memory of the
 * column-major n×m matrix Cᵀ with the same leading dimension. So C = op(A)·op(B) (row-major) is computed as
 * Cᵀ = op(B)ᵀ·op(A)ᵀ (column-major): cuBLAS gets B as its first operand and A as its second, with m and n
 * swapped, and each operand keeps its own transpose flag, because the memory of a row-major X read
 * column-major already is Xᵀ:
 * <ul>
 *   <li>B not transposed: stored k×n row-major = column-major n×k = op(B)ᵀ, so {@code CUBLAS_OP_N},
 *       and ldb must be ≥ n;</li>
 *   <li>B transposed: stored n×k row-major = column-major k×n = op(B), so {@code CUBLAS_OP_T}, ldb ≥ k;</li>
 *   <li>A not transposed: stored m×k = column-major k×m = op(A)ᵀ, so {@code CUBLAS_OP_N}, lda ≥ k;</li>
 *   <li>A transposed: stored k×m = column-major m×k = op(A), so {@code CUBLAS_OP_T}, lda ≥ m.</li>
 * </ul>
 * The call is therefore {@code sgemm(opB, opA, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc)}.
 * {@link #map} computes it as plain numbers, which the CI test checks against a column-major reference
 * without a GPU.
 *
 * <p>Batches: one problem is {@code cublasSgemm_v2}; several are {@code cublasSgemmStridedBatched}, where a
 * batch stride of 0 reuses an operand. When B is shared (stride 0), A is not transposed and the A and C
 * problems are stacked back to back, the batch is really one tall GEMM (batch·m rows), which is what a
 * linear layer over [batch, seq, in] is, and cuBLAS is faster on that than on many small problems.
 *
 * <p>Precision: FP32 and TF32 are the Sgemm calls under the handle's math mode; BF16 is the same call
 * shape through {@code cublasGemmEx} / {@code cublasGemmStridedBatchedEx} with float32 operands and
 * result and {@code CUBLAS_COMPUTE_32F_FAST_16BF}, which lets cuBLAS round the operands to bfloat16 for
 * the tensor cores and accumulate in float32.
 */
final class CublasGemm {
  /** The arguments of one column-major cuBLAS call (operand 1 is the engine's B, operand 2 its A). */
  record Call(int op1, int op2, int m, int n, int k, int ld1, int ld2, int ldc) {}

  private final cublasContext handle = new cublasContext();
  private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);
  private MatmulPrecision precision;

  CublasGemm(CUstream_st stream, MatmulPrecision precision) {
    CudaStatus.cublas(cublasCreate_v2(handle), "cublasCreate_v2");
    CudaStatus.cublas(cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
    setPrecision(precision);
  }

  MatmulPrecision precision() {
    return precision;
  }

  void setPrecision(MatmulPrecision p) {
    // BF16 goes through the Ex calls, whose compute type says it all; the handle keeps default math then
    int mode = p == MatmulPrecision.TF32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
    CudaStatus.cublas(cublasSetMathMode(handle, mode), "cublasSetMathMode(" + p + ")");
    precision = p;
  }

  /** The column-major call for row-major C(m×n) = op(A)(m×k)·op(B)(k×n); see the class comment. */
  static Call map(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc) {
    int ld1 = leading("B", ldb, transB ? k : n, transB ? n : k);
    int ld2 = leading("A", lda, transA ? m : k, transA ? k : m);
    int ldC = leading("C", ldc, n, m);
    return new Call(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, ld1, ld2, ldC);
  }

  /**
   * cuBLAS wants ld ≥ max(1, rows) of the column-major view. When the view has a single column the
   * leading dimension is never used, and views of size-1 axes carry arbitrary strides, so it is raised.
   */
  private static int leading(String which, int ld, int rows, int cols) {
    int need = Math.max(1, rows);
    if (ld >= need) return ld;
    if (cols <= 1) return need;
    throw new IllegalArgumentException("gemm: leading dimension of " + which + " is " + ld + " but its "
        + "column-major view has " + rows + " rows and " + cols + " columns (needs ld >= " + need + ")");
  }

  /** Addresses are device addresses of element 0 of each operand's first problem. */
  void gemm(int batch, boolean transA, boolean transB, int m, int n, int k, float alphaValue,
      long a, int lda, long strideA, long b, int ldb, long strideB, float betaValue, long c, int ldc, long strideC) {
    alpha.put(0, alphaValue);
    beta.put(0, betaValue);
    if (batch > 1 && strideB == 0 && !transA && strideA == (long) m * lda && strideC == (long) m * ldc
        && (long) batch * m <= Integer.MAX_VALUE && lda >= k && ldc >= n) {
      m = batch * m;
      batch = 1;
    }
    Call call = map(transA, transB, m, n, k, lda, ldb, ldc);
    FloatPointer p1 = DevicePointer.floats(b), p2 = DevicePointer.floats(a), pc = DevicePointer.floats(c);
    if (precision == MatmulPrecision.BF16) {
      gemmBf16(call, batch, a, strideA, b, strideB, c, strideC);
      return;
    }
    if (batch == 1) {
      CudaStatus.cublas(cublasSgemm_v2(handle, call.op1(), call.op2(), call.m(), call.n(), call.k(), alpha,
          p1, call.ld1(), p2, call.ld2(), beta, pc, call.ldc()), describe("cublasSgemm_v2", call, 1));
    } else if (strideC == 0) {
      // every problem writes the same C: run them one after another, as a sequential loop would
      for (int i = 0; i < batch; i++) {
        CudaStatus.cublas(cublasSgemm_v2(handle, call.op1(), call.op2(), call.m(), call.n(), call.k(), alpha,
            DevicePointer.floats(b + 4 * i * strideB), call.ld1(), DevicePointer.floats(a + 4 * i * strideA),
            call.ld2(), beta, pc, call.ldc()), describe("cublasSgemm_v2", call, 1));
      }
    } else {
      CudaStatus.cublas(cublasSgemmStridedBatched(handle, call.op1(), call.op2(), call.m(), call.n(), call.k(),
          alpha, p1, call.ld1(), strideB, p2, call.ld2(), strideA, beta, pc, call.ldc(), strideC, batch),
          describe("cublasSgemmStridedBatched", call, batch));
    }
  }

  /** {@link #gemm} for {@link MatmulPrecision#BF16}: the same problems through the Ex calls. */
  private void gemmBf16(Call call, int batch, long a, long strideA, long b, long strideB, long c, long strideC) {
    if (batch == 1 || strideC == 0) {
      for (int i = 0; i < batch; i++) {
        CudaStatus.cublas(cublasGemmEx(handle, call.op1(), call.op2(), call.m(), call.n(), call.k(), alpha,
            DevicePointer.floats(b + 4 * i * strideB), CUDA_R_32F, call.ld1(), DevicePointer.floats(a + 4 * i * strideA),
            CUDA_R_32F, call.ld2(), beta, DevicePointer.floats(c), CUDA_R_32F, call.ldc(), CUBLAS_COMPUTE_32F_FAST_16BF,
            CUBLAS_GEMM_DEFAULT), describe("cublasGemmEx", call, 1));
      }
    } else {
      CudaStatus.cublas(cublasGemmStridedBatchedEx(handle, call.op1(), call.op2(), call.m(), call.n(), call.k(), alpha,
          DevicePointer.floats(b), CUDA_R_32F, call.ld1(), strideB, DevicePointer.floats(a), CUDA_R_32F, call.ld2(),
          strideA, beta, DevicePointer.floats(c), CUDA_R_32F, call.ldc(), strideC, batch, CUBLAS_COMPUTE_32F_FAST_16BF,
          CUBLAS_GEMM_DEFAULT), describe("cublasGemmStridedBatchedEx", call, batch));
    }
  }

  private String describe(String fn, Call c, int batch) {
    return fn + "(op1=" + (c.op1() == CUBLAS_OP_T ? "T" : "N") + ", op2=" + (c.op2() == CUBLAS_OP_T ? "T" : "N")
        + ", m=" + c.m() + ", n=" + c.n() + ", k=" + c.k() + ", ld1=" + c.ld1() + ", ld2=" + c.ld2()
        + ", ldc=" + c.ldc() + ", batch=" + batch + ", " + precision + ")";
  }
}
