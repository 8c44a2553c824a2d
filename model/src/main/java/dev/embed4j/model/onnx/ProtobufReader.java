package dev.embed4j.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A reader of the protocol-buffers wire format, enough for ONNX: varints, 64- and 32-bit fixed values and
 * length-delimited fields (strings, bytes, nested messages, packed repeated scalars). Nested messages are
 * read as slices of the same buffer, so a 90 MB model is never copied field by field.
 *
 * <p>Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3 and 4, groups, are obsolete and
 * rejected). A tag is {@code field << 3 | wireType}.
 */
final class ProtobufReader {
  static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

  private final ByteBuffer buf;
  private final String what;
  private int tag;

  /** Reads {@code buf} from its position to its limit; {@code what} names it in errors. */
  ProtobufReader(ByteBuffer buf, String what) {
    this.buf = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    this.what = what;
  }

  boolean hasRemaining() {
    return buf.hasRemaining();
  }

  /** Advances to the next field; false at the end of the message. */
  boolean next() {
    if (!buf.hasRemaining()) return false;
    long t = readVarint();
    if (t >>> 32 != 0 || (t >>> 3) == 0) throw error("bad field tag " + t);
    tag = (int) t;
    return true;
  }

  int field() {
    return tag >>> 3;
  }

  int wireType() {
    return tag & 7;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!buf.hasRemaining()) throw error("varint runs past the end");
      byte b = buf.get();
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) return result;
    }
    throw error("varint longer than 10 bytes");
  }

  float readFixed32Float() {
    need(4);
    return buf.getFloat();
  }

  /** The payload of a length-delimited field as a little-endian slice. */
  ByteBuffer readBytes() {
    long len = readVarint();
    if (len < 0 || len > buf.remaining()) {
      throw error("field " + field() + " claims " + len + " bytes but " + buf.remaining() + " remain");
    }
    ByteBuffer slice = buf.slice(buf.position(), (int) len).order(ByteOrder.LITTLE_ENDIAN);
    buf.position(buf.position() + (int) len);
    return slice;
  }

  String readString() {
    ByteBuffer b = readBytes();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A nested message of the current field. */
  ProtobufReader readMessage(String name) {
    return new ProtobufReader(readBytes(), what + "." + name);
  }

  /** Skips the current field's value, whatever its wire type. */
  void skip() {
    switch (wireType()) {
      case VARINT -> readVarint();
      case FIXED64 -> { need(8); buf.position(buf.position() + 8); }
      case LENGTH_DELIMITED -> readBytes();
      case FIXED32 -> { need(4); buf.position(buf.position() + 4); }
      default -> throw error("unsupported wire type " + wireType() + " for field " + field());
    }
  }

  private void need(int n) {
    if (buf.remaining() < n) throw error("fixed-size value runs past the end");
  }

  OnnxFormatException error(String problem) {
    return new OnnxFormatException(what + " at byte " + buf.position() + ": " + problem);
  }
}
