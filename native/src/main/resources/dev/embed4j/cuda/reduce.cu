/*
 * Reductions: row sums of a rows x cols matrix and the sum of squares of a vector (in double).
 */
#include "common.cuh"

/**
 * out[r] = sum_c x[r * cols + c]. One warp a row, 8 warps (256 threads) a block, grid = ceil(rows / 8);
 * each lane strides over the row (coalesced), then a shuffle tree. No shared memory. Used directly when
 * rows are many or short, and as the second pass of e4j_sum_rows_partial.
 */
extern "C" __global__ void e4j_sum_rows_warp(const float* x, float* out, int rows, int cols) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;  // the whole warp leaves together
  int lane = threadIdx.x & 31;
  const float* xr = x + (long long) row * cols;
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += xr[c];
  s = e4jWarpSum(s);
  if (lane == 0) out[row] = s;
}

/**
 * First pass for few long rows: block b sums chunk (b % splits) of row (b / splits) into
 * partial[row * splits + chunk], chunk length ceil(cols / splits). 256 threads a block, grid = rows * splits,
 * shared memory: 32 floats for the block reduction.
 */
extern "C" __global__ void e4j_sum_rows_partial(const float* x, float* partial, int rows, int cols, int splits) {
  int row = blockIdx.x / splits, chunk = blockIdx.x - row * splits;
  int len = (cols + splits - 1) / splits;
  int c0 = chunk * len, c1 = c0 + len < cols ? c0 + len : cols;
  const float* xr = x + (long long) row * cols;
  float s = 0.0f;
  for (int c = c0 + threadIdx.x; c < c1; c += blockDim.x) s += xr[c];
  s = e4jBlockSum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

/**
 * partial[block] = sum of x[i]^2 over a grid-stride share of the n elements, accumulated in double.
 * 256 threads a block, grid at most 1024 blocks; e4j_sum_squares_final adds the partials.
 */
extern "C" __global__ void e4j_sum_squares_partial(const float* x, int n, double* partial) {
  double s = 0.0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    double v = x[i];
    s += v * v;
  }
  s = e4jBlockSumD(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

/** out[0] = sum of partial[0..count). One block of 256 threads. */
extern "C" __global__ void e4j_sum_squares_final(const double* partial, int count, double* out) {
  double s = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = e4jBlockSumD(s);
  if (threadIdx.x == 0) out[0] = s;
}
