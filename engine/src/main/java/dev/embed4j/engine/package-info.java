/**
 * Tensors and the functions on them: {@link dev.embed4j.engine.Tensor} (shape, strides, device, storage,
 * gradient), {@link dev.embed4j.engine.Functional} (the differentiable operations), {@link
 * dev.embed4j.engine.Grad} (turning graph recording off), {@link dev.embed4j.engine.Device} and the seeded
 * {@link dev.embed4j.engine.Generator}.
 */
package dev.embed4j.engine;
