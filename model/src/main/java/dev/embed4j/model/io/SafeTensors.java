package dev.embed4j.model.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.model.io.json.JsonReader;
import dev.embed4j.model.io.json.JsonSyntaxException;
import dev.embed4j.model.io.json.JsonValue;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor
 * name to its dtype, shape and [begin, end) byte offsets into the data that follows, then the data,
 * row-major and little-endian. Reads F32, F16 and BF16 (and F64) into float32 tensors; writes F32.
 *
 * <p>The file is mapped, not read: each tensor is copied from the mapping straight into its own
 * {@code float[]}, so loading a file takes the heap of its tensors and nothing more (a 1 GB file loads in a
 * little over 1 GB of heap). Every header is validated before any data is read: its length, its JSON,
 * each tensor's dtype, shape, byte length (elements × dtype size) and offsets (inside the data, not
 * overlapping another tensor's).
 */
public final class SafeTensors {
  private static final long MAX_HEADER = 100L << 20; // the reference implementation's limit
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private SafeTensors() {}

  /** One tensor's header entry; offsets are absolute positions in the file. */
  public record Entry(String name, String dtype, int[] shape, long begin, long end) {
    public boolean isFloat() {
      return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16") || dtype.equals("F64");
    }
  }

  /** A validated header: entries in file order, and the {@code __metadata__} strings. */
  public record Header(List<Entry> entries, Map<String, String> metadata) {}

  /** Receives tensors one at a time while a file is read. */
  @FunctionalInterface
  public interface TensorSink {
    void accept(String name, Tensor tensor) throws IOException;
  }

  static int dtypeSize(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> -1;
    };
  }

  /** Reads and validates the header only. */
  public static Header readHeader(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readHeader(file, ch);
    }
  }

  private static Header readHeader(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) throw new SafeTensorsException(file, null, "file is " + size + " bytes, too short for the 8-byte header length");
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, lenBuf, 0);
    long n = lenBuf.getLong(0);
    if (n < 2 || n > MAX_HEADER || n > size - 8) {
      throw new SafeTensorsException(file, null, "header length " + n + " is impossible for a file of " + size
          + " bytes (it must be at least 2, at most " + Math.min(MAX_HEADER, size - 8) + "); truncated or not a safetensors file?");
    }
    ByteBuffer hb = ByteBuffer.allocate((int) n);
    readFully(ch, hb, 8);
    JsonValue root;
    try {
      root = JsonReader.read(hb.array());
    } catch (JsonSyntaxException e) {
      throw new SafeTensorsException(file, null, "header is not valid JSON: " + e.getMessage());
    }
    if (!root.isObject()) throw new SafeTensorsException(file, null, "header is not a JSON object");
    long dataStart = 8 + n, dataSize = size - dataStart;
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (var it = root.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      String name = e.getKey();
      JsonValue v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) throw new SafeTensorsException(file, null, "__metadata__ is not an object of strings");
        v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      if (!v.isObject()) throw new SafeTensorsException(file, name, "header entry is not an object");
      String dtype = v.path("dtype").asText(null);
      int dsize = dtype == null ? -1 : dtypeSize(dtype);
      if (dsize < 0) throw new SafeTensorsException(file, name, "unknown dtype " + v.path("dtype"));
      JsonValue sh = v.path("shape"), off = v.path("data_offsets");
      if (!sh.isArray()) throw new SafeTensorsException(file, name, "shape is missing or not an array");
      int[] shape = new int[sh.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonValue d = sh.get(i);
        if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
          throw new SafeTensorsException(file, name, "shape " + sh + " has an invalid dimension " + d);
        }
        shape[i] = (int) d.asLong();
        // more elements than a file can hold bytes (2^63) is a damaged header, not arithmetic
        if (shape[i] != 0 && numel > Long.MAX_VALUE / 8 / shape[i]) {
          throw new SafeTensorsException(file, name, "shape " + sh + " has more elements than any file can hold");
        }
        numel *= shape[i];
      }
      if (!off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
        throw new SafeTensorsException(file, name, "data_offsets must be [begin, end], got " + off);
      }
      long begin = off.get(0).asLong(), end = off.get(1).asLong();
      if (begin < 0 || end < begin) throw new SafeTensorsException(file, name, "data_offsets " + off + " are not an interval");
      if (end > dataSize) {
        throw new SafeTensorsException(file, name, "data_offsets " + off + " end past the data, which is " + dataSize
            + " bytes (file truncated?)");
      }
      if (end - begin != numel * dsize) {
        throw new SafeTensorsException(file, name, "shape " + Arrays.toString(shape) + " × " + dtype + " (" + dsize
            + " bytes) needs " + numel * dsize + " bytes, but data_offsets " + off + " span " + (end - begin));
      }
      entries.add(new Entry(name, dtype, shape, dataStart + begin, dataStart + end));
    }
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1), b = sorted.get(i);
      if (b.begin() < a.end()) {
        throw new SafeTensorsException(file, b.name(), "its bytes overlap tensor '" + a.name() + "' (["
            + (a.begin() - dataStart) + ", " + (a.end() - dataStart) + ") and [" + (b.begin() - dataStart) + ", "
            + (b.end() - dataStart) + "))");
      }
    }
    return new Header(List.copyOf(sorted), Map.copyOf(metadata));
  }

  /** Every floating-point tensor of the file, in file order (integer tensors are skipped). */
  public static Map<String, Tensor> read(Path file) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    read(file, out::put);
    return out;
  }

  /**
   * Streams the file's floating-point tensors to {@code sink}, one at a time, so a caller that keeps only
   * some of them never holds the others.
   */
  public static Header read(Path file, TensorSink sink) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
      Header h = readHeader(file, ch);
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      for (Entry e : h.entries()) {
        if (!e.isFloat()) continue;
        sink.accept(e.name(), toTensor(seg, e));
      }
      return h;
    }
  }

  private static Tensor toTensor(MemorySegment seg, Entry e) {
    int n = Tensor.numel(e.shape());
    float[] data = new float[n];
    long at = e.begin();
    switch (e.dtype()) {
      case "F32" -> MemorySegment.copy(seg, F32, at, data, 0, n);
      case "F16" -> {
        for (int i = 0; i < n; i++) data[i] = Float.float16ToFloat(seg.get(U16, at + 2L * i));
      }
      case "BF16" -> {
        for (int i = 0; i < n; i++) data[i] = Float.intBitsToFloat((seg.get(U16, at + 2L * i) & 0xFFFF) << 16);
      }
      case "F64" -> {
        for (int i = 0; i < n; i++) data[i] = (float) seg.get(F64, at + 8L * i);
      }
      default -> throw new IllegalStateException("not a float dtype: " + e.dtype());
    }
    return new Tensor(Backends.cpu().upload(data), 0, e.shape(), Tensor.contiguousStrides(e.shape()));
  }

  /** Writes {@code tensors} as F32, in the map's order, with optional string metadata. */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    ObjectNode header = Jackson.MAPPER.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (var e : tensors.entrySet()) {
      Tensor t = e.getValue();
      ObjectNode o = header.putObject(e.getKey());
      o.put("dtype", "F32");
      var sh = o.putArray("shape");
      for (int d : t.shape()) sh.add(d);
      long bytes = 4L * t.numel();
      o.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = Jackson.MAPPER.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // data starts 8-byte aligned, as the reference writer does
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) head.put((byte) ' ');
    head.flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (head.hasRemaining()) ch.write(head);
      ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        float[] v;
        try (var g = Grad.off()) {
          v = t.toFloatArray();
        }
        for (int i = 0; i < v.length; ) {
          int k = Math.min(v.length - i, buf.remaining() / 4);
          buf.asFloatBuffer().put(v, i, k);
          buf.position(buf.position() + 4 * k);
          i += k;
          if (!buf.hasRemaining() || i == v.length) {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
          }
        }
      }
    }
  }

  /** Jackson writes headers; held here so that reading a file never builds an ObjectMapper. */
  private static final class Jackson {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b, pos);
      if (r < 0) throw new java.io.EOFException();
      pos += r;
    }
  }
}
