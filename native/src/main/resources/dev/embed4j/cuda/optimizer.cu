/*
 * Optimiser updates, element-wise over a flat parameter: grid-stride, 256 threads a block, no shared
 * memory. The arithmetic is in double, as the CPU twin (OptimizerReference) does it, so both agree to
 * float rounding; the kernels are memory-bound, so double costs nothing measurable on datacentre GPUs.
 */
#include "common.cuh"

/**
 * torch.optim.AdamW: p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), with bc1 = 1 - b1^step and bc2 = 1 - b2^step from the host.
 */
extern "C" __global__ void e4j_adamw(float* p, const float* g, float* m, float* v, int n, float lr, float beta1,
    float beta2, float eps, float weightDecay, double bc1, double bc2) {
  double b1 = beta1, b2 = beta2, dlr = lr;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    double gi = g[i];
    double pi = p[i] * (1.0 - dlr * (double) weightDecay);
    double mi = b1 * (double) m[i] + (1.0 - b1) * gi;
    double vi = b2 * (double) v[i] + (1.0 - b2) * gi * gi;
    m[i] = (float) mi;
    v[i] = (float) vi;
    p[i] = (float) (pi - dlr * (mi / bc1) / (sqrt(vi / bc2) + (double) eps));
  }
}

/**
 * SGD with momentum in torch's form: g' = g + wd*p; buf = momentum*buf + g' (buf = g' on the first step or
 * without momentum); p -= lr * buf. buf may be null (no momentum).
 */
extern "C" __global__ void e4j_sgd(float* p, const float* g, float* buf, int n, float lr, float momentum,
    float weightDecay, int firstStep) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    double gi = (double) g[i] + (double) weightDecay * (double) p[i];
    double b = (momentum == 0.0f || firstStep) ? gi : (double) momentum * (double) buf[i] + gi;
    if (buf) buf[i] = (float) b;
    p[i] = (float) ((double) p[i] - (double) lr * b);
  }
}
