/**
 * The tensor engine: {@link dev.embed4j.engine.Tensor} with reverse-mode autograd, the
 * {@link dev.embed4j.engine.backend.Backend} SPI that a device implements, the CPU backend with its Vector API
 * kernels and their scalar twins (exported for kernel research), and the optimisers.
 *
 * <p>The op classes behind {@link dev.embed4j.engine.Functional} ({@code dev.embed4j.engine.ops}) are
 * internal: they are exported only to the losses, whose fused contrastive kernel is one of them. Backends
 * other than the CPU one are found through {@link java.util.ServiceLoader}.
 */
module dev.embed4j.engine {
  requires jdk.incubator.vector;

  exports dev.embed4j.engine;
  exports dev.embed4j.engine.autograd;
  exports dev.embed4j.engine.backend;
  exports dev.embed4j.engine.cpu;
  exports dev.embed4j.engine.cpu.gemm;
  exports dev.embed4j.engine.cpu.reference;
  exports dev.embed4j.engine.optim;
  exports dev.embed4j.engine.ops to dev.embed4j.losses;

  uses dev.embed4j.engine.backend.BackendProvider;
  uses dev.embed4j.engine.cpu.gemm.GemmKernel;
}
