package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;

import dev.embed4j.engine.backend.Storage;

/**
 * The optimiser updates of {@code optimizer.cu}, in place over a parameter and its state: AdamW (bias
 * corrections computed on the host in double) and SGD with momentum.
 */
final class OptimizerKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  OptimizerKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  void adamW(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2, float eps,
      float weightDecay, int step) {
    if (n == 0) return;
    double bc1 = 1.0 - Math.pow(beta1, step), bc2 = 1.0 - Math.pow(beta2, step);
    args.begin().ptr(cuda.addr(param)).ptr(cuda.addr(grad)).ptr(cuda.addr(m)).ptr(cuda.addr(v)).i32(n).f32(lr).f32(beta1)
        .f32(beta2).f32(eps).f32(weightDecay).f64(bc1).f64(bc2);
    cuda.launch(cuda.kernel("optimizer.cu", "e4j_adamw"), cuda.blocks(n), THREADS);
  }

  void sgd(Storage param, Storage grad, Storage momentumBuffer, int n, float lr, float momentum, float weightDecay,
      boolean firstStep) {
    if (n == 0) return;
    args.begin().ptr(cuda.addr(param)).ptr(cuda.addr(grad)).ptr(momentumBuffer == null ? 0L : cuda.addr(momentumBuffer))
        .i32(n).f32(lr).f32(momentum).f32(weightDecay).i32(firstStep ? 1 : 0);
    cuda.launch(cuda.kernel("optimizer.cu", "e4j_sgd"), cuda.blocks(n), THREADS);
  }
}
