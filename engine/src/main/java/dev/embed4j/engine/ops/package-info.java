/**
 * One differentiable op a file, forward and backward together; {@link dev.embed4j.engine.Functional} is
 * their public face. Internal: the module exports this package only to the losses, which call the fused
 * pairwise log-sum-exp directly.
 */
package dev.embed4j.engine.ops;
