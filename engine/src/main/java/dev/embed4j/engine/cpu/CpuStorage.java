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

  public CpuStorage(float[] data) {
    this.data = data;
    this.size = data.length;
  }

  /** The backing array; throws if released. */
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
  }

  @Override
  public boolean isReleased() {
    return data == null;
  }
}
