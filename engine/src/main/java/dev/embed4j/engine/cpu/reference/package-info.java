/**
 * Scalar, obviously right twins of the CPU kernels (element-wise, softmax, LayerNorm, attention, the
 * pairwise log-sum-exp, the optimiser update): the references the fast kernels are tested against, and the
 * baselines of their benchmarks.
 */
package dev.embed4j.engine.cpu.reference;
