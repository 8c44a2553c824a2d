package dev.embed4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.io.SafeTensors;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a {@link ModelFolder}: the sentence-transformers layout, its JSON files by Jackson (indented, as
 * Python writes them). Apart from {@link ModelFolder} so that loading a folder, which reads with
 * {@code io.json.JsonReader}, never loads a Jackson class: the JVM's verifier loads the classes of a
 * method's Jackson nodes when it links the class the method is in, whether or not the method runs.
 */
final class ModelFolderWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelFolderWriter() {}

  /** Writes every file of the layout; an existing folder's files of the same names are replaced. */
  static void save(SentenceEncoder enc, Path dir) throws IOException {
    Files.createDirectories(dir);
    BertModel model = enc.model();
    write(dir.resolve("config.json"), model.config().toJson());
    SafeTensors.write(dir.resolve("model.safetensors"), model.namedParameters(), Map.of("format", "pt"));

    WordPieceTokenizer tok = enc.tokenizer();
    write(dir.resolve("tokenizer.json"), tok.toTokenizerJson());
    Files.write(dir.resolve("vocab.txt"), tok.vocabInOrder(), StandardCharsets.UTF_8);
    ObjectNode specials = JSON.createObjectNode();
    Map<String, String> roles = Map.of("[CLS]", "cls_token", "[SEP]", "sep_token", "[PAD]", "pad_token",
        "[UNK]", "unk_token", "[MASK]", "mask_token");
    for (var t : tok.addedTokens()) if (roles.containsKey(t.content())) specials.put(roles.get(t.content()), t.content());
    write(dir.resolve("special_tokens_map.json"), specials);
    ObjectNode tc = JSON.createObjectNode();
    tc.put("clean_up_tokenization_spaces", true);
    specials.properties().forEach(e -> tc.set(e.getKey(), e.getValue()));
    tc.put("do_basic_tokenize", true);
    tc.put("do_lower_case", tok.normalizer() == null || tok.normalizer().lowercase());
    tc.put("model_max_length", enc.maxSeqLength());
    tc.put("never_split", (String) null);
    if (tok.normalizer() == null || tok.normalizer().stripAccents() == null) tc.putNull("strip_accents");
    else tc.put("strip_accents", tok.normalizer().stripAccents());
    tc.put("tokenize_chinese_chars", tok.normalizer() == null || tok.normalizer().handleChineseChars());
    tc.put("tokenizer_class", "BertTokenizer");
    write(dir.resolve("tokenizer_config.json"), tc);

    ArrayNode modules = JSON.createArrayNode();
    modules.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
    modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling").put("type", "sentence_transformers.models.Pooling");
    if (enc.normalizes()) {
      modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize").put("type", "sentence_transformers.models.Normalize");
      Files.createDirectories(dir.resolve("2_Normalize"));
    }
    write(dir.resolve("modules.json"), modules);
    ObjectNode sb = JSON.createObjectNode();
    sb.put("max_seq_length", enc.maxSeqLength());
    sb.put("do_lower_case", false);
    write(dir.resolve("sentence_bert_config.json"), sb);

    Files.createDirectories(dir.resolve("1_Pooling"));
    Pooling p = enc.pooling();
    ObjectNode pc = JSON.createObjectNode();
    pc.put("word_embedding_dimension", model.config().hiddenSize());
    pc.put("pooling_mode_cls_token", p.mode() == Pooling.Mode.CLS);
    pc.put("pooling_mode_mean_tokens", p.mode() == Pooling.Mode.MEAN);
    pc.put("pooling_mode_max_tokens", p.mode() == Pooling.Mode.MAX);
    pc.put("pooling_mode_mean_sqrt_len_tokens", false);
    pc.put("pooling_mode_weightedmean_tokens", false);
    pc.put("pooling_mode_lasttoken", false);
    pc.put("include_prompt", p.includePrompt());
    write(dir.resolve("1_Pooling").resolve("config.json"), pc);

    ObjectNode st = JSON.createObjectNode();
    st.putObject("__version__").put("sentence_transformers", ModelFolder.SENTENCE_TRANSFORMERS_FORMAT)
        .put("embed4j", ModelFolder.EMBED4J_VERSION);
    ObjectNode pr = st.putObject("prompts");
    enc.prompts().forEach(pr::put);
    if (enc.defaultPromptName() == null) st.putNull("default_prompt_name");
    else st.put("default_prompt_name", enc.defaultPromptName());
    st.put("similarity_fn_name", enc.similarityFunction().stName);
    write(dir.resolve("config_sentence_transformers.json"), st);
    Files.writeString(dir.resolve("README.md"), ModelCard.markdown(enc), StandardCharsets.UTF_8);
  }

  private static void write(Path file, JsonNode node) throws IOException {
    JSON.writeValue(file.toFile(), node);
  }
}
