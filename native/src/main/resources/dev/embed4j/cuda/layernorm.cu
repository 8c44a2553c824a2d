/*
 * LayerNorm over the last axis, forward and backward. Rows are independent: one warp a row, 8 warps
 * (256 threads) a block, grid = ceil(rows / 8). The parameter gradients are column sums over all rows,
 * done in two deterministic passes (no atomics) so repeated runs give identical bits.
 */
#include "common.cuh"

/**
 * y = (x - mean) * rstd * gamma + beta per row; writes mean[r] and rstd[r] = 1 / sqrt(var + eps).
 * Two passes over the row (mean, then the centred variance: no cancellation), then the write pass; a
 * 384-float row is 1.5 KB, so the re-reads hit L1. Cost: 3 reads + 1 write of the row.
 */
extern "C" __global__ void e4j_layernorm_forward(const float* x, const float* gamma, const float* beta, float* y,
    float* mean, float* rstd, int rows, int cols, float eps) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  const float* xr = x + (long long) row * cols;
  float* yr = y + (long long) row * cols;
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += xr[c];
  float mu = e4jWarpSum(s) / cols;
  float v = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    float d = xr[c] - mu;
    v += d * d;
  }
  float rs = rsqrtf(e4jWarpSum(v) / cols + eps);
  for (int c = lane; c < cols; c += 32) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
}

/**
 * gx = rstd * (d - mean(d) - xhat * mean(d * xhat)) with d = gy * gamma and xhat = (x - mean) * rstd,
 * from the saved mean and rstd. Two passes over the row.
 */
extern "C" __global__ void e4j_layernorm_backward_dx(const float* x, const float* gamma, const float* mean,
    const float* rstd, const float* gy, float* gx, int rows, int cols) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  long long o = (long long) row * cols;
  float mu = mean[row], rs = rstd[row];
  float sumD = 0.0f, sumDX = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    float xhat = (x[o + c] - mu) * rs;
    float d = gy[o + c] * gamma[c];
    sumD += d;
    sumDX += d * xhat;
  }
  sumD = e4jWarpSum(sumD) / cols;
  sumDX = e4jWarpSum(sumDX) / cols;
  for (int c = lane; c < cols; c += 32) {
    float xhat = (x[o + c] - mu) * rs;
    float d = gy[o + c] * gamma[c];
    gx[o + c] = rs * (d - sumD - xhat * sumDX);
  }
}

/**
 * First pass of the parameter gradients: block (32, 8) covers 32 columns; blockIdx.y = chunk of rows
 * (rows r = chunk * 8 + ty, stepping by gridDim.y * 8). Writes partialG[chunk * cols + c] = sum gy * xhat
 * and partialB[chunk * cols + c] = sum gy over its rows. Shared memory: 2 x 8 x 32 floats (2 KB).
 * Reads are coalesced along a row (32 consecutive columns per warp).
 */
extern "C" __global__ void e4j_layernorm_backward_params_partial(const float* x, const float* mean,
    const float* rstd, const float* gy, float* partialG, float* partialB, int rows, int cols) {
  __shared__ float sg[8][33];
  __shared__ float sb[8][33];
  int tx = threadIdx.x, ty = threadIdx.y;
  int c = blockIdx.x * 32 + tx;
  float g = 0.0f, b = 0.0f;
  if (c < cols) {
    for (int r = blockIdx.y * 8 + ty; r < rows; r += gridDim.y * 8) {
      long long o = (long long) r * cols + c;
      float xhat = (x[o] - mean[r]) * rstd[r];
      g += gy[o] * xhat;
      b += gy[o];
    }
  }
  sg[ty][tx] = g;
  sb[ty][tx] = b;
  __syncthreads();
  if (ty == 0 && c < cols) {
    float tg = 0.0f, tb = 0.0f;
#pragma unroll
    for (int k = 0; k < 8; k++) {
      tg += sg[k][tx];
      tb += sb[k][tx];
    }
    partialG[(long long) blockIdx.y * cols + c] = tg;
    partialB[(long long) blockIdx.y * cols + c] = tb;
  }
}

/**
 * Second pass: gGamma[c] += sum over chunks of partialG, gBeta[c] += sum of partialB (either may be null).
 * One thread a column, 256 threads a block.
 */
extern "C" __global__ void e4j_layernorm_backward_params_final(const float* partialG, const float* partialB,
    float* gGamma, float* gBeta, int cols, int chunks) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  float tg = 0.0f, tb = 0.0f;
  for (int k = 0; k < chunks; k++) {
    tg += partialG[(long long) k * cols + c];
    tb += partialB[(long long) k * cols + c];
  }
  if (gGamma) gGamma[c] += tg;
  if (gBeta) gBeta[c] += tb;
}
