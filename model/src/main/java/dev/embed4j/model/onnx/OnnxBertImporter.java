package dev.embed4j.model.onnx;

import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a BERT encoder's weights and shape out of an ONNX export of a Hugging Face BertModel (as
 * optimum/transformers export it: the all-MiniLM-L6-v2 file langchain4j ships is one).
 *
 * <p>The embeddings, LayerNorm parameters and biases are initializers under their Hugging Face names and
 * map directly. The Linear weights are anonymous ({@code onnx::MatMul_787}) and stored [in, out], the
 * transpose of PyTorch's [out, in]; each is found by following the graph: the Add that adds a layer's
 * named bias reads the output of a MatMul, and that MatMul's constant operand is the weight. The number
 * of heads is read from the constant in the Reshape that splits the query into heads, the activation
 * from the operator in the feed-forward (Erf: exact GELU), LayerNorm's epsilon from the constant added to
 * the variance.
 */
public final class OnnxBertImporter {
  private static final Pattern LAYER = Pattern.compile("(?:bert\\.)?encoder\\.layer\\.(\\d{1,9})\\.");

  private OnnxBertImporter() {}

  /** The imported encoder: its config and its weights under Hugging Face names. */
  public record Imported(BertConfig config, Map<String, Tensor> weights) {
    public BertModel model() {
      return new BertModel(config, weights);
    }
  }

  public static Imported importBert(OnnxGraph g, String what) {
    try {
      return read(g, what);
    } catch (OnnxFormatException e) {
      // a single tensor's reader names the tensor but not the file
      if (e.getMessage().startsWith(what)) throw e;
      throw new OnnxFormatException(what + ": " + e.getMessage());
    }
  }

  private static Imported read(OnnxGraph g, String what) {
    String prefix = g.initializer("bert.embeddings.word_embeddings.weight") != null ? "bert." : "";
    OnnxGraph.Initializer words = require(g, prefix + "embeddings.word_embeddings.weight", what);
    OnnxGraph.Initializer positions = require(g, prefix + "embeddings.position_embeddings.weight", what);
    OnnxGraph.Initializer types = require(g, prefix + "embeddings.token_type_embeddings.weight", what);
    int layers = 0;
    for (String name : g.initializers().keySet()) {
      Matcher m = LAYER.matcher(name);
      if (m.lookingAt()) layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
    }
    if (layers > BertConfig.MAX_LAYERS) {
      throw new OnnxFormatException(what + ": initializers name layer " + (layers - 1) + "; at most " + BertConfig.MAX_LAYERS
          + " layers are supported");
    }
    if (layers == 0) throw new OnnxFormatException(what + ": no encoder.layer.N initializers; not a BERT export?");
    int hidden = shape(words, 2, what)[1];
    int intermediate = shape(require(g, prefix + "encoder.layer.0.intermediate.dense.bias", what), 1, what)[0];
    int heads = numHeads(g, prefix, what);
    BertConfig.Activation act = activation(g, prefix, what);
    float eps = layerNormEps(g, prefix);
    BertConfig config = new BertConfig(shape(words, 2, what)[0], hidden, layers, heads, intermediate, act, 0.1f, 0.1f,
        shape(positions, 2, what)[0], shape(types, 2, what)[0], eps, 0);

    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (var e : BertModel.expectedShapes(config).entrySet()) {
      String name = e.getKey();
      OnnxGraph.Initializer direct = g.initializer(prefix + name);
      if (direct != null) {
        weights.put(name, tensor(direct.toFloats(), e.getValue()));
      } else if (name.endsWith(".weight")) {
        String bias = prefix + name.substring(0, name.length() - ".weight".length()) + ".bias";
        OnnxGraph.Initializer w = matMulWeightBeforeBias(g, bias, what);
        int[] shape = e.getValue(); // [out, in]
        if (w.dims().length != 2 || w.dims()[0] != shape[1] || w.dims()[1] != shape[0]) {
          throw new OnnxFormatException(what + ": MatMul weight '" + w.name() + "' for " + name + " is "
              + Arrays.toString(w.dims()) + ", expected [in, out] = [" + shape[1] + ", " + shape[0] + "]");
        }
        weights.put(name, tensor(transpose(w.toFloats(), shape[1], shape[0]), shape));
      } else {
        throw new OnnxFormatException(what + ": no initializer '" + prefix + name + "'");
      }
    }
    return new Imported(config, weights);
  }

  /** The constant operand of the MatMul whose output the Add of {@code biasName} reads. */
  private static OnnxGraph.Initializer matMulWeightBeforeBias(OnnxGraph g, String biasName, String what) {
    require(g, biasName, what);
    for (OnnxGraph.Node add : g.consumers(biasName)) {
      if (!add.opType().equals("Add")) continue;
      for (String in : add.inputs()) {
        if (in.equals(biasName)) continue;
        OnnxGraph.Node mm = g.producer(in);
        if (mm == null || !mm.opType().equals("MatMul")) continue;
        for (String operand : mm.inputs()) {
          OnnxGraph.Initializer w = g.initializer(operand);
          if (w != null && w.dims().length == 2) return w;
        }
      }
    }
    throw new OnnxFormatException(what + ": found no MatMul feeding the Add of bias '" + biasName
        + "'; the weight of that Linear layer cannot be located");
  }

  /** Element {@code at} of an INT64 constant, as a number of heads (1 to 2^16). */
  private static int heads(OnnxGraph.Initializer t, int at, String what) {
    long[] v;
    try {
      v = t.toLongs();
    } catch (OnnxFormatException e) {
      throw new OnnxFormatException(what + ": " + e.getMessage());
    }
    if (v.length <= at || v[at] < 1 || v[at] > 1 << 16) {
      throw new OnnxFormatException(what + ": the attention heads constant '" + t.name() + "' is " + Arrays.toString(v)
          + "; element " + at + " must be a number of heads from 1 to 65536");
    }
    return (int) v[at];
  }

  /** From the query's Reshape to [batch, seq, heads, headDim]: the heads constant. */
  private static int numHeads(OnnxGraph g, String prefix, String what) {
    String bias = prefix + "encoder.layer.0.attention.self.query.bias";
    for (OnnxGraph.Node add : g.consumers(bias)) {
      for (String out : add.outputs()) {
        for (OnnxGraph.Node r : g.consumers(out)) {
          if (!r.opType().equals("Reshape") || r.inputs().size() < 2) continue;
          String shapeName = r.inputs().get(1);
          OnnxGraph.Initializer constShape = g.initializer(shapeName);
          if (constShape != null) return heads(constShape, 2, what);
          OnnxGraph.Node concat = g.producer(shapeName);
          if (concat != null && concat.opType().equals("Concat") && concat.inputs().size() == 4) {
            OnnxGraph.Initializer h = g.initializer(concat.inputs().get(2));
            if (h != null) return heads(h, 0, what);
          }
        }
      }
    }
    throw new OnnxFormatException(what + ": cannot find the number of attention heads (the Reshape of the query)");
  }

  private static BertConfig.Activation activation(OnnxGraph g, String prefix, String what) {
    String marker = "/encoder/layer.0/intermediate/";
    for (OnnxGraph.Node n : g.nodes()) {
      if (!n.name().contains(marker)) continue;
      switch (n.opType()) {
        case "Erf", "Gelu" -> { return BertConfig.Activation.GELU; }
        case "Tanh", "FastGelu" -> { return BertConfig.Activation.GELU_TANH; }
        case "Relu" -> { return BertConfig.Activation.RELU; }
        default -> { }
      }
    }
    return BertConfig.Activation.GELU; // BERT's default; an export without node names gives no hint
  }

  /** The scalar added to the variance before the square root in the embeddings' LayerNorm, else 1e-12. */
  private static float layerNormEps(OnnxGraph g, String prefix) {
    for (OnnxGraph.Node n : g.nodes()) {
      if (n.opType().equals("LayerNormalization")) break;
      if (!n.opType().equals("Sqrt") || n.inputs().isEmpty()) continue;
      OnnxGraph.Node add = g.producer(n.inputs().get(0));
      if (add == null || !add.opType().equals("Add")) continue;
      for (String in : add.inputs()) {
        OnnxGraph.Initializer c = g.initializer(in);
        if (c != null && c.numel() == 1 && c.dataType() == OnnxGraph.FLOAT) return c.toFloats()[0];
      }
    }
    return 1e-12f;
  }

  /** The dimensions of a tensor that must have {@code rank} of them, each from 1 to 2^31 - 1. */
  private static int[] shape(OnnxGraph.Initializer t, int rank, String what) {
    long[] d = t.dims();
    boolean ok = d.length == rank;
    for (int i = 0; ok && i < rank; i++) ok = d[i] >= 1 && d[i] <= Integer.MAX_VALUE;
    if (!ok) {
      throw new OnnxFormatException(what + ": initializer '" + t.name() + "' has dimensions " + Arrays.toString(d)
          + "; expected " + rank + " positive ones");
    }
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) out[i] = (int) d[i];
    return out;
  }

  private static OnnxGraph.Initializer require(OnnxGraph g, String name, String what) {
    OnnxGraph.Initializer t = g.initializer(name);
    if (t == null) throw new OnnxFormatException(what + ": no initializer '" + name + "'; not a BERT export?");
    return t;
  }

  private static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
    return t;
  }

  private static Tensor tensor(float[] d, int[] shape) {
    if (d.length != Tensor.numel(shape)) {
      throw new OnnxFormatException("initializer of " + d.length + " values for shape " + Arrays.toString(shape));
    }
    return new Tensor(Backends.cpu().upload(d), 0, shape, Tensor.contiguousStrides(shape));
  }
}
