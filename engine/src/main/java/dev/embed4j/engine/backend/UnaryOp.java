package dev.embed4j.engine.backend;

/**
 * Element-wise functions of one tensor. {@code param} is the exponent for {@link #POW}, the scalar for
 * {@link #SCALE} and {@link #ADD_SCALAR}, unused otherwise. Each op's derivative is computed by
 * {@link Backend#unaryBackward} from the input x and/or the output y, whichever is cheaper.
 */
public enum UnaryOp {
  EXP, LOG, SQRT, NEG, TANH,
  /** BERT's GELU, exact erf form: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
  GELU,
  POW, SCALE, ADD_SCALAR, RELU
}
