/*
 * Row-wise softmax / log-softmax and cross-entropy, forward and backward. Every kernel is one warp a row,
 * 8 warps (256 threads) a block, grid = ceil(rows / 8), no shared memory. The forward reads a row twice
 * (an online max-and-sum pass, then the write pass; the second read mostly hits L1/L2).
 */
#include "common.cuh"

/**
 * Log-sum-exp of row xr (cols long) for the whole warp: each lane keeps a running max m and sum s of
 * exp(x - m) over its strided share, rescaling s when m grows; lanes then merge through shuffles.
 * -inf entries (masked logits) contribute nothing, and an all -inf row gives -inf.
 */
static __device__ __forceinline__ float rowLogSumExp(const float* xr, int cols, int lane) {
  float m = -E4J_INF, s = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    float v = xr[c];
    if (v == -E4J_INF) continue;
    if (v > m) {
      s = s * expf(m - v) + 1.0f;
      m = v;
    } else {
      s += expf(v - m);
    }
  }
  float M = e4jWarpMax(m);
  float scaled = (m == -E4J_INF) ? 0.0f : s * expf(m - M);
  float S = e4jWarpSum(scaled);
  return M == -E4J_INF ? -E4J_INF : M + logf(S);
}

/** y = softmax(x) (or log-softmax when logMode != 0) of each row of a rows x cols matrix. */
extern "C" __global__ void e4j_softmax(const float* x, float* y, int rows, int cols, int logMode) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  const float* xr = x + (long long) row * cols;
  float* yr = y + (long long) row * cols;
  float lse = rowLogSumExp(xr, cols, lane);
  for (int c = lane; c < cols; c += 32) {
    float v = xr[c] - lse;
    yr[c] = logMode ? v : expf(v);
  }
}

/**
 * gx from y and gy: softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).
 */
extern "C" __global__ void e4j_softmax_backward(const float* y, const float* gy, float* gx, int rows, int cols,
    int logMode) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  long long o = (long long) row * cols;
  float dot = 0.0f;
  for (int c = lane; c < cols; c += 32) dot += logMode ? gy[o + c] : gy[o + c] * y[o + c];
  dot = e4jWarpSum(dot);
  for (int c = lane; c < cols; c += 32) {
    float yv = y[o + c], g = gy[o + c];
    gx[o + c] = logMode ? g - expf(yv) * dot : yv * (g - dot);
  }
}

/**
 * Cross-entropy forward: logProb = log-softmax(logits) row by row, loss[r] = -logProb[r, targets[r]].
 * targets is a device copy of the host int[] (already range-checked by the op).
 */
extern "C" __global__ void e4j_cross_entropy(const float* logits, const int* targets, float* logProb, float* loss,
    int rows, int cols) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  const float* xr = logits + (long long) row * cols;
  float* lr = logProb + (long long) row * cols;
  float lse = rowLogSumExp(xr, cols, lane);
  for (int c = lane; c < cols; c += 32) lr[c] = xr[c] - lse;
  if (lane == 0) loss[row] = -(xr[targets[row]] - lse);
}

/** gLogits[r, c] = gLoss[r] * (exp(logProb[r, c]) - [c == targets[r]]). */
extern "C" __global__ void e4j_cross_entropy_backward(const float* logProb, const int* targets, const float* gLoss,
    float* gLogits, int rows, int cols) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  long long o = (long long) row * cols;
  float g = gLoss[row];
  int t = targets[row];
  for (int c = lane; c < cols; c += 32) gLogits[o + c] = g * (expf(logProb[o + c]) - (c == t ? 1.0f : 0.0f));
}
