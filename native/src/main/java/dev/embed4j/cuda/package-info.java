/**
 * The CUDA backend: the engine's {@link dev.embed4j.engine.backend.Backend} SPI on an NVIDIA GPU, through the
 * JavaCPP wrappers {@code org.bytedeco:cuda} (JNI only; the CUDA 13 libraries come from the machine's
 * toolkit, found through {@code LD_LIBRARY_PATH}).
 *
 * <ul>
 *   <li>{@link dev.embed4j.cuda.CudaBackendProvider}: the {@code ServiceLoader} entry; reports unavailable,
 *       never fails, without the libraries, a driver or a device.</li>
 *   <li>{@link dev.embed4j.cuda.CudaBackend}: one stream, synchronized methods, every status checked
 *       ({@code CudaStatus}, {@link dev.embed4j.cuda.CudaException}); it dispatches to one class per op
 *       family, as the CPU side ({@code MemoryKernels}, {@code ElementwiseKernels}, {@code ReductionKernels},
 *       {@code SoftmaxKernels}, {@code LayerNormKernels}, {@code IndexKernels}, {@code AttentionKernels},
 *       {@code OptimizerKernels}, {@code PairwiseLogSumExpKernels}), over the device state they share
 *       ({@code CudaContext}: stream, allocator, compiled kernels, argument buffer, the checked launch).</li>
 *   <li>{@code CachingAllocator} / {@code CudaStorage}: device memory by size class, reused without
 *       synchronisation because all work is stream-ordered; {@link dev.embed4j.cuda.DeviceMemoryStats}.</li>
 *   <li>{@code CublasGemm}: row-major GEMM as column-major cuBLAS calls (the mapping is in its Javadoc and
 *       tested without a GPU), FP32 or TF32 ({@link dev.embed4j.cuda.MatmulPrecision}).</li>
 *   <li>{@code NvrtcKernels}: the CUDA C files in {@code resources/dev/embed4j/cuda} (each kernel's launch
 *       shape, shared memory and arithmetic are documented there), compiled once per process by NVRTC to
 *       CUBIN for the device's own {@code sm_XY}.</li>
 * </ul>
 *
 * <p>Testing: the CPU backend is the reference twin of every kernel; the GPU tests run the same tensor
 * expressions on both devices and compare values and gradients. Without a GPU they skip; the kernels are
 * still compiled by nvcc for sm_80 and sm_90 in CI. {@code gpu/prepare.sh} packs what a GPU machine without
 * Java needs and prints the command. No kernel timing has been measured yet.
 */
package dev.embed4j.cuda;
