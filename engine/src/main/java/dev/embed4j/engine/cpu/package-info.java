/**
 * The CPU backend: {@link dev.embed4j.engine.cpu.CpuBackend} and its kernel families, written with the
 * Vector API ({@code jdk.incubator.vector}) over {@code float[]}, on one pool of threads
 * ({@link dev.embed4j.engine.cpu.Parallel}). Exported for kernel research: each family has a scalar twin in
 * {@code dev.embed4j.engine.cpu.reference} that its tests compare it with.
 */
package dev.embed4j.engine.cpu;
