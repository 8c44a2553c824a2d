/**
 * Matrix multiplication on the CPU: the {@link dev.embed4j.engine.cpu.gemm.GemmKernel} interface a new GEMM
 * variant implements, the registry {@link dev.embed4j.engine.cpu.gemm.GemmKernels} (also a
 * {@link java.util.ServiceLoader} service, chosen with {@code -Dembed4j.gemm=NAME}), the packed,
 * register-tiled default and the reference loop it is tested against.
 */
package dev.embed4j.engine.cpu.gemm;
