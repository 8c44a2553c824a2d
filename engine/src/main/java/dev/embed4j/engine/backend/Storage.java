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
}
