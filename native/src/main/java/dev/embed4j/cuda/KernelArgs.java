package dev.embed4j.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The {@code void** kernelParams} of cuLaunchKernel, built without allocating: argument values are written
 * one after another (each aligned to its size, 8 at most) into one native buffer, and slot i of a second
 * buffer holds the address of value i. cuLaunchKernel copies the values when it is called, so the buffers
 * are reused by the next launch. Not thread-safe: the backend launches under its lock.
 *
 * <p>The kernel reads each value with the size of its declared parameter type, so the writer must match
 * the kernel's signature: {@link #ptr} for pointers, {@link #i32} for int, {@link #f32} for float,
 * {@link #f64} for double, {@link #u64} for unsigned long long, {@link #strided} for {@code E4jStrided}.
 *
 * <p>The array goes to the driver typed {@link PointerPointer}, never as a plain {@code Pointer}: the
 * preset's {@code cuLaunchKernel(..., Pointer kernelParams, Pointer extra)} overload is
 * {@code @ByPtrPtr}, so JavaCPP would pass the address of a native temporary holding the array's address,
 * and the driver would read arguments from the stack. {@code KernelArgsTest} holds that choice and the
 * array's layout for every kernel signature in the .cu files.
 */
final class KernelArgs {
  /** E4jStrided in common.cuh: int rank; int shape[8]; int s0[8]; int s1[8]. */
  static final int MAX_DIMS = 8;
  private static final int STRIDED_BYTES = 4 * (1 + 3 * MAX_DIMS);
  private static final int VALUE_BYTES = 4096, SLOTS = 64;

  private final BytePointer values = new BytePointer(VALUE_BYTES);
  private final LongPointer slots = new LongPointer(SLOTS);
  /** The same memory as {@link #slots}, typed as the {@code void**} the launch takes; a field, so it lives on. */
  private final PointerPointer<?> params = new PointerPointer<>(slots);
  private int count, at;

  KernelArgs begin() {
    count = 0;
    at = 0;
    return this;
  }

  KernelArgs ptr(long deviceAddress) {
    values.putLong(slot(8, 8), deviceAddress);
    return this;
  }

  KernelArgs i32(int v) {
    values.putInt(slot(4, 4), v);
    return this;
  }

  KernelArgs f32(float v) {
    values.putFloat(slot(4, 4), v);
    return this;
  }

  KernelArgs f64(double v) {
    values.putDouble(slot(8, 8), v);
    return this;
  }

  KernelArgs u64(long v) {
    values.putLong(slot(8, 8), v);
    return this;
  }

  /** An E4jStrided by value: rank, then shape, s0 and s1 padded to 8 entries. */
  KernelArgs strided(int[] shape, int[] s0, int[] s1) {
    int rank = shape.length;
    if (rank > MAX_DIMS) throw new IllegalArgumentException("strided kernel argument of rank " + rank + " > " + MAX_DIMS);
    long o = slot(STRIDED_BYTES, 4);
    values.putInt(o, rank);
    for (int d = 0; d < MAX_DIMS; d++) {
      values.putInt(o + 4 + 4L * d, d < rank ? shape[d] : 1);
      values.putInt(o + 4 + 4L * (MAX_DIMS + d), d < rank ? s0[d] : 0);
      values.putInt(o + 4 + 4L * (2 * MAX_DIMS + d), d < rank ? s1[d] : 0);
    }
    return this;
  }

  /** The kernelParams array for cuLaunchKernel: slot i holds the address of argument i. */
  PointerPointer<?> pointers() {
    return params;
  }

  /** How many arguments were written since {@link #begin}. */
  int count() {
    return count;
  }

  private long slot(int size, int align) {
    int start = (at + align - 1) & -align;
    if (count == SLOTS || start + size > VALUE_BYTES) {
      throw new IllegalStateException("kernel argument buffer full (" + count + " arguments, " + start + " bytes)");
    }
    slots.put(count++, values.address() + start);
    at = start + size;
    return start;
  }
}
