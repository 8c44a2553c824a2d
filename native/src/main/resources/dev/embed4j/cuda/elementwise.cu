/*
 * Element-wise kernels: fill, unary ops and their derivatives, broadcast binary ops, strided copy, dropout.
 * All are memory-bound grid-stride loops: 256 threads a block, at most 32 blocks per SM (the Java side
 * sizes the grid), no shared memory. The op codes are UnaryOp/BinaryOp constants as CudaBackend numbers them.
 */
#include "common.cuh"

#define OP_EXP 0
#define OP_LOG 1
#define OP_SQRT 2
#define OP_NEG 3
#define OP_TANH 4
#define OP_GELU 5
#define OP_POW 6
#define OP_SCALE 7
#define OP_ADD_SCALAR 8
#define OP_RELU 9

#define BIN_ADD 0
#define BIN_SUB 1
#define BIN_MUL 2
#define BIN_DIV 3
#define BIN_MASK_FILL 4

static __device__ __forceinline__ float applyUnary(int op, float p, float x) {
  switch (op) {
    case OP_EXP: return expf(x);
    case OP_LOG: return logf(x);
    case OP_SQRT: return sqrtf(x);
    case OP_NEG: return -x;
    case OP_TANH: return tanhf(x);
    case OP_GELU: return e4jGelu(x);
    case OP_POW: return powf(x, p);
    case OP_SCALE: return x * p;
    case OP_ADD_SCALAR: return x + p;
    default: return x > 0.0f ? x : 0.0f;  // OP_RELU
  }
}

static __device__ __forceinline__ float applyDerivative(int op, float p, float x, float y, float g) {
  switch (op) {
    case OP_EXP: return g * y;
    case OP_LOG: return g / x;
    case OP_SQRT: return g * 0.5f / y;
    case OP_NEG: return -g;
    case OP_TANH: return g * (1.0f - y * y);
    case OP_GELU: return g * e4jGeluDerivative(x);
    case OP_POW: return g * p * powf(x, p - 1.0f);
    case OP_SCALE: return g * p;
    case OP_ADD_SCALAR: return g;
    default: return x > 0.0f ? g : 0.0f;  // OP_RELU
  }
}

/** y[i] = value for i < n. Grid-stride, 256 threads a block. */
extern "C" __global__ void e4j_fill(float* y, int n, float value) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = value;
}

/** y[i] = f(x[i]) for the unary op code {@code op} with parameter p (exponent, scale or addend). x may equal y. */
extern "C" __global__ void e4j_unary(int op, float p, const float* x, float* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    y[i] = applyUnary(op, p, x[i]);
  }
}

/** gx[i] = gy[i] * f'(x[i]), using x or y = f(x), whichever the derivative is simplest in. */
extern "C" __global__ void e4j_unary_backward(int op, float p, const float* x, const float* y, const float* gy,
    float* gx, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    gx[i] = applyDerivative(op, p, x[i], y[i], gy[i]);
  }
}

/**
 * out[i] = a[.] op b[.] over st.shape, out contiguous, a and b addressed through st.s0 and st.s1 (a stride
 * of 0 broadcasts). The Java side has already merged adjacent dims that are contiguous in both operands,
 * so a plain add of two same-shape tensors arrives as rank 1. n = product of st.shape.
 */
extern "C" __global__ void e4j_binary(int op, float p, const float* a, const float* b, float* out, E4jStrided st,
    int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    int oa, ob;
    e4jOffsets(st, i, oa, ob);
    float x = a[oa], y = b[ob], r;
    switch (op) {
      case BIN_ADD: r = x + y; break;
      case BIN_SUB: r = x - y; break;
      case BIN_MUL: r = x * y; break;
      case BIN_DIV: r = x / y; break;
      default: r = y != 0.0f ? p : x; break;  // BIN_MASK_FILL
    }
    out[i] = r;
  }
}

/** dst[.] = src[.] over st.shape, src through st.s0, dst through st.s1 (dims already merged where possible). */
extern "C" __global__ void e4j_copy(const float* src, float* dst, E4jStrided st, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    int os, od;
    e4jOffsets(st, i, os, od);
    dst[od] = src[os];
  }
}

/**
 * Inverted dropout y[i] = keep ? x[i] * scale : 0 with keep = uniform(seed, i) >= p, where uniform is
 * dev.embed4j.engine.Generator.uniform bit for bit: SplitMix64's finaliser of seed ^ (i * 0xD1B54A32D192ED03),
 * top 24 bits times 2^-24. scale = 1f / (1f - p) is computed on the host in float, as the CPU does, so
 * the mask and the values equal the CPU backend's exactly.
 */
extern "C" __global__ void e4j_dropout(const float* x, float* y, int n, float p, float scale,
    unsigned long long seed) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    y[i] = e4jUniform(seed, (unsigned long long) i) >= p ? x[i] * scale : 0.0f;
  }
}
