package dev.embed4j.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.model.io.json.JacksonTrees;
import dev.embed4j.model.io.json.JsonReader;
import dev.embed4j.model.io.json.JsonSyntaxException;
import dev.embed4j.model.io.json.JsonValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A BERT encoder's hyper-parameters, as a Hugging Face {@code config.json} states them. Only what the
 * encoder can run is accepted: model type bert, BERT architectures, absolute position embeddings and the
 * activations in {@link Activation}; anything else is a {@link ModelConfigException} that says what was
 * found and what would work.
 */
public record BertConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
    Activation hiddenAct, float hiddenDropout, float attentionDropout, int maxPositions, int typeVocabSize,
    float layerNormEps, int padTokenId) {

  /** The feed-forward activations the encoder runs, by their Hugging Face names. */
  public enum Activation {
    GELU("gelu"), GELU_TANH("gelu_new"), RELU("relu");

    public final String hfName;

    Activation(String hfName) {
      this.hfName = hfName;
    }

    static Activation of(String name, String where) {
      return switch (name) {
        case "gelu", "gelu_python" -> GELU;
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
        case "relu" -> RELU;
        default -> throw new ModelConfigException(where + ": hidden_act '" + name
            + "' is not supported; the encoder runs gelu, gelu_new (gelu_pytorch_tanh) and relu");
      };
    }
  }

  public BertConfig {
    if (hiddenSize % numHeads != 0) {
      throw new ModelConfigException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
    }
  }

  public int headDim() {
    return hiddenSize / numHeads;
  }

  /** all-MiniLM-L6-v2's shape: 6 layers, 384 wide, 12 heads, 1536 in the feed-forward. */
  public static BertConfig miniLmL6() {
    return new BertConfig(30522, 384, 6, 12, 1536, Activation.GELU, 0.1f, 0.1f, 512, 2, 1e-12f, 0);
  }

  public static BertConfig read(Path configJson) throws IOException {
    if (!Files.exists(configJson)) throw new NoSuchFileException(configJson.toString(), null, "no config.json: not a model folder?");
    JsonValue c;
    try {
      c = JsonReader.read(configJson);
    } catch (JsonSyntaxException e) {
      throw new ModelConfigException(configJson + ": not valid JSON: " + e.getMessage());
    }
    return fromJson(c, configJson.toString());
  }

  /** From a parsed config.json; {@code where} names it in errors. */
  public static BertConfig fromJson(JsonNode c, String where) {
    return fromJson(JacksonTrees.fromJackson(c), where);
  }

  static BertConfig fromJson(JsonValue c, String where) {
    String type = c.path("model_type").asText("bert");
    if (!type.equals("bert")) {
      throw new ModelConfigException(where + ": model_type '" + type + "' is not supported; only BERT encoders (model_type bert) are");
    }
    for (JsonValue a : c.path("architectures")) {
      if (!a.asText().startsWith("Bert")) {
        throw new ModelConfigException(where + ": architecture '" + a.asText()
            + "' is not supported; only BERT (BertModel, BertForMaskedLM, ...) is");
      }
    }
    String pos = c.path("position_embedding_type").asText("absolute");
    if (!pos.equals("absolute")) {
      throw new ModelConfigException(where + ": position_embedding_type '" + pos + "' is not supported; only absolute is");
    }
    int vocab = size(c, "vocab_size", -1, 1, 1 << 24, where);
    int hidden = size(c, "hidden_size", -1, 1, 1 << 16, where);
    int layers = size(c, "num_hidden_layers", -1, 1, MAX_LAYERS, where);
    int heads = size(c, "num_attention_heads", -1, 1, hidden, where);
    int inter = size(c, "intermediate_size", -1, 1, 1 << 20, where);
    int positions = size(c, "max_position_embeddings", 512, 1, 1 << 20, where);
    int types = size(c, "type_vocab_size", 2, 1, 1 << 16, where);
    int pad = c.path("pad_token_id").isNull() ? 0 : size(c, "pad_token_id", 0, 0, vocab - 1, where);
    if (!c.path("hidden_act").isMissingNode() && !c.path("hidden_act").isTextual()) {
      throw new ModelConfigException(where + ": hidden_act must be a string such as \"gelu\", got " + c.path("hidden_act"));
    }
    if (hidden % heads != 0) {
      throw new ModelConfigException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
    }
    return new BertConfig(vocab, hidden, layers, heads, inter, Activation.of(c.path("hidden_act").asText("gelu"), where),
        fraction(c, "hidden_dropout_prob", 0.1, where), fraction(c, "attention_probs_dropout_prob", 0.1, where),
        positions, types, fraction(c, "layer_norm_eps", 1e-12, where), pad);
  }

  /** The most encoder layers a config may state (the largest BERTs have 48); more is a damaged file. */
  public static final int MAX_LAYERS = 1024;

  /** An integer key in [min, max]; {@code dflt} when absent (-1: required). */
  private static int size(JsonValue c, String key, int dflt, int min, int max, String where) {
    JsonValue v = c.path(key);
    if (v.isMissingNode()) {
      if (dflt >= 0) return dflt;
      throw new ModelConfigException(where + ": " + key + " is missing; it must be an integer from " + min + " to " + max);
    }
    boolean integral = v.isIntegralNumber() || (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()));
    if (!integral || v.asDouble() < min || v.asDouble() > max) {
      throw new ModelConfigException(where + ": " + key + " must be an integer from " + min + " to " + max + ", got " + v);
    }
    return (int) v.asDouble();
  }

  /** A probability or epsilon key: a JSON number in [0, 1); {@code dflt} when absent or null. */
  private static float fraction(JsonValue c, String key, double dflt, String where) {
    JsonValue v = c.path(key);
    if (v.isMissingNode() || v.isNull()) return (float) dflt;
    if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() < 1)) {
      throw new ModelConfigException(where + ": " + key + " must be a number from 0 to below 1, got " + v);
    }
    return (float) v.asDouble();
  }

  /** config.json as Hugging Face transformers writes it for a BertModel. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putArray("architectures").add("BertModel");
    o.put("attention_probs_dropout_prob", attentionDropout);
    o.put("classifier_dropout", (String) null);
    o.put("hidden_act", hiddenAct.hfName);
    o.put("hidden_dropout_prob", hiddenDropout);
    o.put("hidden_size", hiddenSize);
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", intermediateSize);
    o.put("layer_norm_eps", layerNormEps);
    o.put("max_position_embeddings", maxPositions);
    o.put("model_type", "bert");
    o.put("num_attention_heads", numHeads);
    o.put("num_hidden_layers", numLayers);
    o.put("pad_token_id", padTokenId);
    o.put("position_embedding_type", "absolute");
    o.put("torch_dtype", "float32");
    o.put("type_vocab_size", typeVocabSize);
    o.put("use_cache", true);
    o.put("vocab_size", vocabSize);
    return o;
  }
}
