/*
 * The element-wise halves of the fused pairwise log-sum-exp (Backend.pairwiseLogSumExp and its backward).
 * The backend walks S = scale*A*B^T in chunks of rows: cuBLAS writes one chunk (rows x m, the rows
 * row0 .. row0 + rows - 1 of S) into a buffer of bounded size, and these kernels reduce it or turn it
 * into the gradient chunk in place. S as a whole is never held, so device memory stays O((n + m)*d) plus
 * the one chunk.
 *
 * Mask: element (i, j) is excluded when hasMask and mStart[i] <= (j mod period) < mEnd[i]; an excluded
 * element counts as -inf in every sum and gets a zero gradient. A period of 0x7fffffff means plain ranges
 * (no modulo taken).
 *
 * Hardness: e4j_pair_harden multiplies the penalised elements of a chunk by 1 + alpha/scale right after its
 * GEMM, before any kernel below reads it; the ranges that select them have the mask's form.
 */
#include "common.cuh"

#define E4J_PLAIN_RANGES 0x7fffffff

static __device__ __forceinline__ bool pairExcluded(const int* mStart, const int* mEnd, int period, int i, int j) {
  int r = period == E4J_PLAIN_RANGES ? j : j % period;
  return r >= mStart[i] && r < mEnd[i];
}

/** Merges the running pair (m, s) (s = sum exp(x - m)) with one value v; -inf values are skipped by the callers. */
static __device__ __forceinline__ void lseAdd(float& m, float& s, float v) {
  if (v > m) {
    s = s * expf(m - v) + 1.0f;  // m = -inf gives s*0 + 1
    m = v;
  } else {
    s += expf(v - m);
  }
}

/** Merges (m2, s2) into (m, s); either may be empty (m = -inf, s = 0). */
static __device__ __forceinline__ void lseMerge(float& m, float& s, float m2, float s2) {
  if (m2 == -E4J_INF) return;
  if (m == -E4J_INF) {
    m = m2;
    s = s2;
    return;
  }
  if (m2 > m) {
    s = s * expf(m - m2) + s2;
    m = m2;
  } else {
    s += s2 * expf(m2 - m);
  }
}

/**
 * The hardness penalty on a chunk, in place: element (i, j), j != i, becomes S_ij*factor (factor = 1 +
 * alpha/scale, which adds alpha*S_ij/scale) when (hasRanges && hStart[i] <= (j mod period) < hEnd[i]) differs
 * from complement; the diagonal is never penalised. Same grid as e4j_pair_grad: x strides the columns, y the
 * rows. The gradient kernels then take G from the penalised scores and the products keep the factor scale,
 * so the penalty is a constant (a stop-gradient) to the backward.
 */
extern "C" __global__ void e4j_pair_harden(float* s, int rows, int m, int row0, const int* hStart, const int* hEnd,
    int period, int hasRanges, int complement, float factor) {
  bool outside = complement != 0;
  for (int r = blockIdx.y; r < rows; r += gridDim.y) {
    int i = row0 + r;
    float* sr = s + (long long) r * m;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < m; j += gridDim.x * blockDim.x) {
      bool inside = hasRanges && pairExcluded(hStart, hEnd, period, i, j);
      if (j != i && inside != outside) sr[j] *= factor;
    }
  }
}

/**
 * Row log-sum-exp of a chunk, one block of 256 threads a row (grid-strided over the rows, so any row count
 * fits): rowLse[row0 + r] over the kept columns of chunk row r (-inf when all are excluded). A block a row,
 * not a warp, because a chunk holds few rows of many columns (1,024 x 65,536 at B = 65,536) and a warp a
 * row would leave most of the device idle. Also diag[i] = S_ii for the chunk's rows i < diagCount,
 * whatever the mask says.
 */
extern "C" __global__ void e4j_pair_row_lse(const float* s, int rows, int m, int row0, const int* mStart,
    const int* mEnd, int period, int hasMask, float* rowLse, float* diag, int diagCount) {
  __shared__ float wm[32], ws[32];
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    int i = row0 + r;
    const float* sr = s + (long long) r * m;
    float mx = -E4J_INF, sum = 0.0f;
    for (int j = threadIdx.x; j < m; j += blockDim.x) {
      if (hasMask && pairExcluded(mStart, mEnd, period, i, j)) continue;
      lseAdd(mx, sum, sr[j]);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) lseMerge(mx, sum, __shfl_xor_sync(0xffffffffu, mx, o),
        __shfl_xor_sync(0xffffffffu, sum, o));
    if (lane == 0) {
      wm[warp] = mx;
      ws[warp] = sum;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < warps; w++) lseMerge(mx, sum, wm[w], ws[w]);
      rowLse[i] = mx == -E4J_INF ? -E4J_INF : mx + logf(sum);
      if (i < diagCount) diag[i] = sr[i];
    }
    __syncthreads();  // wm and ws are refilled for the next row
  }
}

/**
 * Column statistics of a chunk merged into the running ones: block (32 columns x 8 row groups); thread
 * (tx, ty) reduces column blockIdx.x*32 + tx over the chunk rows r == ty (mod 8), the 8 partial pairs meet
 * in shared memory, and thread row 0 merges them into (colMax, colSum), or overwrites those when first.
 */
extern "C" __global__ void e4j_pair_col_merge(const float* s, int rows, int m, int row0, const int* mStart,
    const int* mEnd, int period, int hasMask, float* colMax, float* colSum, int first) {
  __shared__ float pm[8][33], ps[8][33];
  int tx = threadIdx.x, ty = threadIdx.y, j = blockIdx.x * 32 + tx;
  float mx = -E4J_INF, sum = 0.0f;
  if (j < m) {
    for (int r = ty; r < rows; r += 8) {
      if (hasMask && pairExcluded(mStart, mEnd, period, row0 + r, j)) continue;
      lseAdd(mx, sum, s[(long long) r * m + j]);
    }
  }
  pm[ty][tx] = mx;
  ps[ty][tx] = sum;
  __syncthreads();
  if (ty != 0 || j >= m) return;
  for (int g = 1; g < 8; g++) lseMerge(mx, sum, pm[g][tx], ps[g][tx]);
  if (!first) lseMerge(mx, sum, colMax[j], colSum[j]);
  colMax[j] = mx;
  colSum[j] = sum;
}

/** colLse[j] = colMax[j] + log colSum[j], -inf for a column with every element excluded. */
extern "C" __global__ void e4j_pair_col_finish(const float* colMax, const float* colSum, float* colLse, int m) {
  for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < m; j += gridDim.x * blockDim.x) {
    float mx = colMax[j];
    colLse[j] = mx == -E4J_INF ? -E4J_INF : mx + logf(colSum[j]);
  }
}

/**
 * Turns a chunk of S into the same chunk of G, in place:
 * G_ij = w_i*exp(S_ij - rowLse_i) + gCol_j*exp(S_ij - colLse_j) + [i = j]*gDiag_i, with w_i = gRow[i], or
 * rowWeight for every row when gRow is null; the row term is left out when both are absent
 * (gRow null, rowWeight 0), the column term when colLse or gCol is null, the diagonal when gDiag is null.
 * The exponential terms are zero for excluded elements; the diagonal term is not, as S_ii is an output
 * whatever the mask says.
 */
extern "C" __global__ void e4j_pair_grad(float* s, int rows, int m, int row0, const int* mStart, const int* mEnd,
    int period, int hasMask, const float* rowLse, const float* gRow, float rowWeight, const float* colLse,
    const float* gCol, const float* gDiag, int diagCount) {
  bool rowTerm = gRow != 0 || rowWeight != 0.0f, colTerm = colLse != 0 && gCol != 0;
  for (int r = blockIdx.y; r < rows; r += gridDim.y) {
    int i = row0 + r;
    float* sr = s + (long long) r * m;
    float w = rowTerm ? (gRow != 0 ? gRow[i] : rowWeight) : 0.0f, lr = rowTerm ? rowLse[i] : 0.0f;
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < m; j += gridDim.x * blockDim.x) {
      float v = sr[j], g = 0.0f;
      if (!(hasMask && pairExcluded(mStart, mEnd, period, i, j))) {
        if (rowTerm) g += w * expf(v - lr);
        if (colTerm) g += gCol[j] * expf(v - colLse[j]);
      }
      if (gDiag != 0 && i == j && i < diagCount) g += gDiag[i];
      sr[j] = g;
    }
  }
}
