package dev.embed4j.model;

import dev.embed4j.losses.SimilarityFunction;
import dev.embed4j.model.bert.BertConfig;
import dev.embed4j.model.bert.BertModel;
import dev.embed4j.model.bert.Pooling;
import dev.embed4j.model.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Small random BERT encoders on the real MiniLM vocabulary: every code path, at a fraction of the cost. */
public final class TinyModels {
  private TinyModels() {}

  public static BertConfig config(BertConfig.Activation act) {
    return new BertConfig(30522, 32, 2, 4, 64, act, 0.1f, 0.1f, 512, 2, 1e-12f, 0);
  }

  public static WordPieceTokenizer miniLmTokenizer() throws IOException {
    Path tmp = Files.createTempFile("tok", ".json");
    try (InputStream in = TinyModels.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return WordPieceTokenizer.fromTokenizerJson(tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static SentenceEncoder encoder(Pooling pooling, boolean normalize, long seed) throws IOException {
    return new SentenceEncoder(miniLmTokenizer(), BertModel.randomInit(config(BertConfig.Activation.GELU), seed), pooling,
        normalize, 128, Map.of("query", "query: ", "doc", "passage: "), null, SimilarityFunction.COSINE);
  }
}
