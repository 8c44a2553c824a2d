package dev.embed4j.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  private static final ObjectMapper JSON = new ObjectMapper();

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
    JsonNode c;
    try {
      c = JSON.readTree(configJson.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ModelConfigException(configJson + ": not valid JSON: " + e.getOriginalMessage());
    }
    return fromJson(c, configJson.toString());
  }

  public static BertConfig fromJson(JsonNode c, String where) {
    String type = c.path("model_type").asText("bert");
    if (!type.equals("bert")) {
      throw new ModelConfigException(where + ": model_type '" + type + "' is not supported; only BERT encoders (model_type bert) are");
    }
    for (JsonNode a : c.path("architectures")) {
      if (!a.asText().startsWith("Bert")) {
        throw new ModelConfigException(where + ": architecture '" + a.asText()
            + "' is not supported; only BERT (BertModel, BertForMaskedLM, ...) is");
      }
    }
    String pos = c.path("position_embedding_type").asText("absolute");
    if (!pos.equals("absolute")) {
      throw new ModelConfigException(where + ": position_embedding_type '" + pos + "' is not supported; only absolute is");
    }
    for (String k : List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")) {
      if (!c.path(k).canConvertToInt() || c.path(k).asInt() <= 0) {
        throw new ModelConfigException(where + ": " + k + " is missing or not a positive integer (" + c.path(k) + ")");
      }
    }
    return new BertConfig(c.get("vocab_size").asInt(), c.get("hidden_size").asInt(), c.get("num_hidden_layers").asInt(),
        c.get("num_attention_heads").asInt(), c.get("intermediate_size").asInt(),
        Activation.of(c.path("hidden_act").asText("gelu"), where),
        (float) c.path("hidden_dropout_prob").asDouble(0.1), (float) c.path("attention_probs_dropout_prob").asDouble(0.1),
        c.path("max_position_embeddings").asInt(512), c.path("type_vocab_size").asInt(2),
        (float) c.path("layer_norm_eps").asDouble(1e-12), c.path("pad_token_id").asInt(0));
  }

  /** config.json as Hugging Face transformers writes it for a BertModel. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
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
