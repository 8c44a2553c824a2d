package dev.embed4j.engine.backend;

/**
 * Element-wise functions of two broadcast tensors a and b. {@link #MASK_FILL} writes {@code param} where
 * b is non-zero and a elsewhere.
 */
public enum BinaryOp {
  ADD, SUB, MUL, DIV, MASK_FILL
}
