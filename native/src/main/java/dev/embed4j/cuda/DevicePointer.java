package dev.embed4j.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A device address in the shape the JavaCPP wrappers take: a {@link Pointer} whose address field is the
 * device address and whose position is 0 (the wrappers add position to the address, so every device
 * pointer here is made at its final address rather than positioned). It owns nothing: no deallocator.
 */
final class DevicePointer extends Pointer {
  DevicePointer(long address) {
    this.address = address;
  }

  /** The same address typed as {@code float*}, as cuBLAS's signatures want it. */
  static FloatPointer floats(long address) {
    return new FloatPointer(new DevicePointer(address));
  }
}
