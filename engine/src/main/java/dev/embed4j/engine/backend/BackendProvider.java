package dev.embed4j.engine.backend;

import dev.embed4j.engine.Device;

/**
 * A {@link java.util.ServiceLoader} service: a module that brings a device kind (the CUDA backend, say)
 * lists its provider in {@code META-INF/services/dev.embed4j.engine.backend.BackendProvider}.
 */
public interface BackendProvider {
  /** The device kind this provider serves, for example {@code "cuda"}. */
  String kind();

  /** Whether a device of this kind is present and usable in this process. */
  boolean isAvailable();

  /** Why no device of this kind is usable, when {@link #isAvailable} is false: shown to the user. */
  default String unavailableReason() {
    return "no such device is usable in this process";
  }

  Backend open(Device device);
}
