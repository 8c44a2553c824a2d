/*
 * Helpers shared by every embed4j kernel file. NVRTC compiles these files without any host header, so
 * nothing here (or in the .cu files) may include a system header or use a macro that comes from one
 * (INFINITY, FLT_MAX, size_t, uint64_t, ...): the constants below replace them. The Java side hands this
 * file to NVRTC as the header "common.cuh"; the CI test passes its folder to nvcc with -I.
 *
 * Conventions of every kernel: tensors are float32, row-major, contiguous unless a stride struct says
 * otherwise; pointers arrive with the tensor's offset already added; sizes are int (a tensor holds fewer
 * than 2^31 elements). Warp-per-row kernels run 8 warps (256 threads) a block and one row a warp, so a
 * whole warp leaves together and every shuffle has all 32 lanes.
 */
#ifndef E4J_COMMON_CUH
#define E4J_COMMON_CUH

#define E4J_MAX_DIMS 8
#define E4J_INF __int_as_float(0x7f800000)
#define E4J_WARPS_PER_BLOCK 8

/** Shape and two stride vectors (of up to 8 dims) passed by value: s0/s1 are the strides of the two addressed operands. */
struct E4jStrided {
  int rank;
  int shape[E4J_MAX_DIMS];
  int s0[E4J_MAX_DIMS];
  int s1[E4J_MAX_DIMS];
};

/** Offsets of linear element i (row-major over shape) in the two strided operands. */
static __device__ __forceinline__ void e4jOffsets(const E4jStrided& st, int i, int& o0, int& o1) {
  int a = 0, b = 0;
#pragma unroll
  for (int k = E4J_MAX_DIMS - 1; k >= 0; k--) {
    if (k < st.rank) {
      int n = st.shape[k];
      int c = i % n;
      i /= n;
      a += c * st.s0[k];
      b += c * st.s1[k];
    }
  }
  o0 = a;
  o1 = b;
}

static __device__ __forceinline__ float e4jWarpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

static __device__ __forceinline__ double e4jWarpSumD(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

static __device__ __forceinline__ float e4jWarpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/** Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets the result. */
static __device__ __forceinline__ double e4jBlockSumD(double v) {
  __shared__ double partial[32];
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  v = e4jWarpSumD(v);
  __syncthreads();  // partial may still be read by a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  double t = lane < warps ? partial[lane] : 0.0;
  return e4jWarpSumD(t);
}

static __device__ __forceinline__ float e4jBlockSum(float v) {
  __shared__ float partialF[32];
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  v = e4jWarpSum(v);
  __syncthreads();
  if (lane == 0) partialF[warp] = v;
  __syncthreads();
  float t = lane < warps ? partialF[lane] : 0.0f;
  return e4jWarpSum(t);
}

/**
 * A uniform float in [0, 1) from a seed and an element index: dev.embed4j.engine.Generator.uniform bit for
 * bit (SplitMix64's finaliser of seed ^ (index * 0xD1B54A32D192ED03), top 24 bits times 2^-24), so dropout
 * masks equal the CPU backend's.
 */
static __device__ __forceinline__ float e4jUniform(unsigned long long seed, unsigned long long index) {
  unsigned long long z = seed ^ (index * 0xD1B54A32D192ED03ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (float) (z >> 40) * 5.9604644775390625e-8f;  // 2^-24
}

/** Exact-erf GELU and its derivative, as UnaryOp.GELU defines them (BERT's form). */
static __device__ __forceinline__ float e4jGelu(float x) {
  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

static __device__ __forceinline__ float e4jGeluDerivative(float x) {
  float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
  float pdf = expf(-0.5f * x * x) * 0.39894228040143268f;
  return cdf + x * pdf;
}

#endif
