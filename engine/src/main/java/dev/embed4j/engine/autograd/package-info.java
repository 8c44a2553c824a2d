/**
 * Define-by-run reverse-mode autograd: a {@link dev.embed4j.engine.autograd.Node} is what made a tensor and
 * knows its backward; {@link dev.embed4j.engine.autograd.Autograd} walks the graph in reverse topological
 * order and accumulates the gradients. A new differentiable op is one {@code Node}.
 */
package dev.embed4j.engine.autograd;
