package dev.embed4j.model.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Just enough of the protocol-buffers wire format to write small ONNX seeds for the fuzzer. */
final class ProtobufWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtobufWriter varint(int field, long v) {
    tag(field, 0);
    raw(v);
    return this;
  }

  ProtobufWriter bytes(int field, byte[] b) {
    tag(field, 2);
    raw(b.length);
    out.writeBytes(b);
    return this;
  }

  ProtobufWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtobufWriter message(int field, ProtobufWriter m) {
    return bytes(field, m.toByteArray());
  }

  ProtobufWriter fixed32(int field, float f) {
    tag(field, 5);
    int bits = Float.floatToIntBits(f);
    for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
    return this;
  }

  static byte[] floatsLE(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) b.putFloat(f);
    return b.array();
  }

  static byte[] longsLE(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) b.putLong(x);
    return b.array();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wire) {
    raw((long) field << 3 | wire);
  }

  private void raw(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }
}
