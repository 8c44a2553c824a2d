/*
 * Embedding lookup and its gradient. ids is a device copy of the host int[] (range-checked by the op).
 * Both kernels are grid-stride over count * dim elements, 256 threads a block, no shared memory;
 * consecutive threads touch consecutive columns of one row, so reads and writes are coalesced.
 */
#include "common.cuh"

/** out[i, d] = table[ids[i], d] for i < count, d < dim. */
extern "C" __global__ void e4j_gather(const float* table, const int* ids, float* out, int count, int dim) {
  int n = count * dim;
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < n; e += gridDim.x * blockDim.x) {
    int i = e / dim, d = e - i * dim;
    out[e] = table[(long long) ids[i] * dim + d];
  }
}

/** gTable[ids[i], d] += gOut[i, d]; repeated ids add up through atomicAdd (order, hence last bits, may vary). */
extern "C" __global__ void e4j_scatter_add(const float* gOut, const int* ids, float* gTable, int count, int dim) {
  int n = count * dim;
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < n; e += gridDim.x * blockDim.x) {
    int i = e / dim, d = e - i * dim;
    atomicAdd(gTable + (long long) ids[i] * dim + d, gOut[e]);
  }
}
