package dev.embed4j.engine.backend;

import dev.embed4j.engine.Device;

/** A flat buffer of float32 values on one device. Tensors are views (offset, shape, strides) over it. */
public interface Storage {
  Device device();

  /** Number of float elements. */
  long size();

  /** Frees the memory; any later use of a tensor over this storage throws. Idempotent. */
  void release();

  boolean isReleased();

  /**
   * A count that moves on whenever the contents are written, so that a value derived from them (a packed or
   * concatenated copy of a weight) can be kept while it is unchanged; -1 where this storage does not count its
   * writes, and then nothing derived from it may be kept.
   */
  default long version() {
    return -1;
  }
}
