package dev.embed4j.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX ModelProto that an importer needs: the graph's nodes and its initializers. Field
 * numbers are those of onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto.name = 1, t = 5;
 * TensorProto.dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9. A Constant node's tensor
 * (attribute {@code value}) is listed with the initializers under the node's output name, since exporters
 * put weights in either place.
 */
public final class OnnxGraph {
  /** TensorProto.DataType.FLOAT. */
  static final int FLOAT = 1;

  /** One node: its operator and the names of the values it reads and writes. */
  public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

  /** A constant tensor: raw little-endian data, or float_data, never both. */
  public record Initializer(String name, int dataType, long[] dims, ByteBuffer raw, float[] floatData) {
    public long numel() {
      long n = 1;
      for (long d : dims) {
        // dimensions whose product passes 2^61 cannot describe any file's bytes; wrapping would make them match
        if (d != 0 && n > (Long.MAX_VALUE >> 2) / d) {
          throw new OnnxFormatException("initializer '" + name + "' has dimensions " + java.util.Arrays.toString(dims)
              + " whose product overflows");
        }
        n *= d;
      }
      return n;
    }

    /** The values of an INT64 tensor (data type 7) stored as raw data. */
    public long[] toLongs() {
      if (dataType != 7 || raw == null || raw.remaining() != numel() * 8) {
        throw new OnnxFormatException("initializer '" + name + "' is not a raw INT64 tensor (data type " + dataType + ")");
      }
      long[] out = new long[(int) numel()];
      raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
      return out;
    }

    /** The values as float32; only FLOAT tensors can be read this way. */
    public float[] toFloats() {
      if (dataType != FLOAT) {
        throw new OnnxFormatException("initializer '" + name + "' has ONNX data type " + dataType + ", not FLOAT (1)");
      }
      long n = numel();
      if (floatData != null) {
        if (floatData.length != n) throw new OnnxFormatException("initializer '" + name + "' has " + floatData.length
            + " float_data values for " + n + " elements");
        return floatData;
      }
      if (raw == null || raw.remaining() != n * 4) {
        throw new OnnxFormatException("initializer '" + name + "' has " + (raw == null ? 0 : raw.remaining())
            + " raw bytes for " + n + " float32 elements (" + n * 4 + " bytes)");
      }
      float[] out = new float[(int) n];
      raw.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }
  }

  private final List<Node> nodes;
  private final Map<String, Initializer> initializers;
  private final Map<String, List<Node>> consumers = new HashMap<>();
  private final Map<String, Node> producers = new HashMap<>();

  private OnnxGraph(List<Node> nodes, Map<String, Initializer> initializers) {
    this.nodes = List.copyOf(nodes);
    this.initializers = initializers;
    for (Node n : nodes) {
      for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      for (String out : n.outputs()) producers.put(out, n);
    }
  }

  /** Parses a serialised ModelProto; {@code what} (a file or resource name) appears in errors. */
  public static OnnxGraph parse(ByteBuffer model, String what) {
    ProtobufReader m = new ProtobufReader(model, what);
    ProtobufReader graph = null;
    while (m.next()) {
      if (m.field() == 7 && m.wireType() == ProtobufReader.LENGTH_DELIMITED) graph = m.readMessage("graph");
      else m.skip();
    }
    if (graph == null) throw new OnnxFormatException(what + ": no graph (ModelProto field 7); is this an ONNX model file?");
    List<Node> nodes = new ArrayList<>();
    Map<String, Initializer> inits = new LinkedHashMap<>();
    while (graph.next()) {
      if (graph.field() == 1 && graph.wireType() == ProtobufReader.LENGTH_DELIMITED) {
        Node n = readNode(graph.readMessage("node[" + nodes.size() + "]"), inits);
        nodes.add(n);
      } else if (graph.field() == 5 && graph.wireType() == ProtobufReader.LENGTH_DELIMITED) {
        Initializer t = readTensor(graph.readMessage("initializer[" + inits.size() + "]"), null);
        inits.put(t.name(), t);
      } else {
        graph.skip();
      }
    }
    return new OnnxGraph(nodes, inits);
  }

  private static Node readNode(ProtobufReader r, Map<String, Initializer> inits) {
    String name = "", op = "";
    List<String> in = new ArrayList<>(), out = new ArrayList<>();
    List<Initializer> constants = new ArrayList<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> in.add(r.readString());
        case 2 -> out.add(r.readString());
        case 3 -> name = r.readString();
        case 4 -> op = r.readString();
        case 5 -> {
          Initializer t = readAttributeTensor(r.readMessage("attribute"));
          if (t != null) constants.add(t);
        }
        default -> r.skip();
      }
    }
    if ("Constant".equals(op) && constants.size() == 1 && out.size() == 1) {
      Initializer c = constants.get(0);
      inits.put(out.get(0), new Initializer(out.get(0), c.dataType(), c.dims(), c.raw(), c.floatData()));
    }
    return new Node(name, op, List.copyOf(in), List.copyOf(out));
  }

  /** The tensor of an attribute named "value" (field t = 5), else null. */
  private static Initializer readAttributeTensor(ProtobufReader r) {
    String name = null;
    Initializer t = null;
    while (r.next()) {
      if (r.field() == 1 && r.wireType() == ProtobufReader.LENGTH_DELIMITED) name = r.readString();
      else if (r.field() == 5 && r.wireType() == ProtobufReader.LENGTH_DELIMITED) t = readTensor(r.readMessage("t"), "");
      else r.skip();
    }
    return "value".equals(name) ? t : null;
  }

  private static Initializer readTensor(ProtobufReader r, String defaultName) {
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = defaultName;
    ByteBuffer raw = null;
    float[] floats = null;
    int floatCount = 0;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          if (r.wireType() == ProtobufReader.LENGTH_DELIMITED) {
            ProtobufReader packed = r.readMessage("dims");
            while (packed.hasRemaining()) dims.add(packed.readVarint());
          } else {
            dims.add(r.readVarint());
          }
        }
        case 2 -> dataType = (int) r.readVarint();
        case 4 -> {
          if (r.wireType() == ProtobufReader.LENGTH_DELIMITED) {
            ByteBuffer b = r.readBytes();
            int n = b.remaining() / 4;
            floats = floats == null ? new float[n] : java.util.Arrays.copyOf(floats, floatCount + n);
            b.asFloatBuffer().get(floats, floatCount, n);
            floatCount += n;
          } else {
            floats = floats == null ? new float[1] : java.util.Arrays.copyOf(floats, floatCount + 1);
            floats[floatCount++] = r.readFixed32Float();
          }
        }
        case 8 -> name = r.readString();
        case 9 -> raw = r.readBytes();
        default -> r.skip();
      }
    }
    if (name == null) throw r.error("initializer without a name");
    long[] d = new long[dims.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = dims.get(i);
      if (d[i] < 0) throw r.error("tensor '" + name + "' has negative dimension " + d[i]);
    }
    return new Initializer(name, dataType, d, raw, floats);
  }

  public List<Node> nodes() {
    return nodes;
  }

  public Map<String, Initializer> initializers() {
    return initializers;
  }

  /** The initializer (or Constant output) named {@code name}, or null when that value is computed. */
  public Initializer initializer(String name) {
    return initializers.get(name);
  }

  /** The node that writes {@code value}, or null for a graph input or an initializer. */
  public Node producer(String value) {
    return producers.get(value);
  }

  /** The nodes that read {@code value}. */
  public List<Node> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }
}
