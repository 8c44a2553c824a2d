package dev.embed4j.engine.cpu;

import dev.embed4j.engine.Device;
import dev.embed4j.engine.backend.Storage;

/**
 * CPU storage is a plain {@code float[]} on the Java heap. Why not a {@code MemorySegment}: the Vector
 * API's {@code fromArray}/{@code intoArray} on arrays compile to plain vector loads with bounds checks
 * hoisted, the garbage collector owns the memory (no leaks when an application drops a tensor), and
 * 2^31 elements (8 GiB) per tensor is far beyond any embedding model's largest weight. Files are read into
 * arrays through mapped segments by the model loader, so nothing needs off-heap tensors.
 */
public final class CpuStorage implements Storage {
  private float[] data;
  private final int size;
  /** Bumped by every write through {@link CpuBackend}; see {@link #modified()}. */
  private volatile long version;
  /** Values derived from the contents, by slot, each valid for the version it records (the GEMM's packings of B). */
  private volatile Object derivedPlain, derivedTransposed;

  public CpuStorage(float[] data) {
    this.data = data;
    this.size = data.length;
  }

  /**
   * How many writes this storage has seen: a value derived from its contents (the GEMM's packed copy of a
   * weight) stays valid while this is unchanged.
   */
  @Override
  public long version() {
    return version;
  }

  /**
   * Marks the contents changed. Every {@link CpuBackend} call that writes a storage calls it (in-place updates
   * by optimisers included); code that writes {@link #data()} directly must call it too, or a GEMM may go on
   * reading a packed copy of the old values.
   */
  public void modified() {
    version++; // a racing increment may be lost, but the value still moves on from the one a reader saw
  }

  Object derived(boolean transposed) {
    return transposed ? derivedTransposed : derivedPlain;
  }

  void derived(boolean transposed, Object value) {
    if (transposed) derivedTransposed = value;
    else derivedPlain = value;
  }

  /** The backing array; throws if released (write to it only with {@link #modified()}). */
  public float[] data() {
    float[] d = data;
    if (d == null) throw new IllegalStateException("CPU storage of " + size + " floats was used after release");
    return d;
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void release() {
    data = null;
    derivedPlain = derivedTransposed = null;
  }

  @Override
  public boolean isReleased() {
    return data == null;
  }
}
