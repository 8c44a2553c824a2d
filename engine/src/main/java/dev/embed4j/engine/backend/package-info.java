/**
 * The SPI a device implements: {@link dev.embed4j.engine.backend.Backend} (GEMM, element-wise ops,
 * reductions, softmax, LayerNorm, attention, the fused pairwise log-sum-exp, AdamW), its
 * {@link dev.embed4j.engine.backend.Storage}, and {@link dev.embed4j.engine.backend.BackendProvider}, the
 * {@link java.util.ServiceLoader} service through which {@link dev.embed4j.engine.backend.Backends} finds a
 * device kind other than the CPU.
 */
package dev.embed4j.engine.backend;
