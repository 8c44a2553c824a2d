package dev.embed4j.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** Shared by the model tests: the default model, imported once into a cache under target/. */
public final class TestModels {
  private static SentenceEncoder minilm;

  private TestModels() {}

  public static synchronized SentenceEncoder miniLm() throws IOException {
    if (minilm == null) {
      if (System.getProperty("embed4j.cache") == null) {
        System.setProperty("embed4j.cache", Path.of("target", "embed4j-cache").toAbsolutePath().toString());
      }
      minilm = SentenceEncoder.defaultModel();
    }
    return minilm;
  }

  public static byte[] onnxBytes() throws IOException {
    try (InputStream in = TestModels.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      return in.readAllBytes();
    }
  }

  /** Varied texts: short and long, questions, code, numbers, accents, CJK, emoji, a prompt-like prefix. */
  public static final java.util.List<String> TEXTS = java.util.List.of(
      "A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby.",
      "A man is riding a horse.", "A woman is playing violin.", "Two men pushed carts through the woods.",
      "A man is riding a white horse on an enclosed ground.", "A monkey is playing drums.",
      "Someone in a gorilla costume is playing a set of drums.", "How do I reset my password?",
      "What is the capital of France?", "Paris is the capital and most populous city of France.",
      "The quick brown fox jumps over the lazy dog.", "def add(a, b): return a + b", "SELECT * FROM users WHERE id = 42;",
      "The meeting is at 3:45 pm on 2024-05-17.", "Pi is approximately 3.14159265358979.", "naïve café résumé Ångström",
      "東京は日本の首都です。", "北京是中国的首都", "Привет, как дела?", "¿Dónde está la biblioteca?", "I love it! 😀🎉",
      "", "a", "OK", "Hello", "hello hello hello hello hello", "The the the the.",
      "query: how many people live in berlin", "passage: Berlin has a population of about 3.7 million.",
      "Machine learning is a field of study in artificial intelligence concerned with the development of statistical "
          + "algorithms that can learn from data and generalize to unseen data.",
      "Photosynthesis converts light energy into chemical energy stored in glucose.",
      "The mitochondria is the powerhouse of the cell.", "It was the best of times, it was the worst of times.",
      "To be, or not to be, that is the question.", "All happy families are alike; each unhappy family is unhappy in its own way.",
      "In the beginning God created the heaven and the earth.", "E = mc^2", "https://example.com/path?query=1&x=y",
      "user@example.com wrote: see attached", "#hashtag @mention $100 50% off!!!", "C'est la vie.", "Das ist gut.",
      "supercalifragilisticexpialidocious", "antidisestablishmentarianism", "The stock market fell 3% today.",
      "Rain is expected tomorrow afternoon.", "Please turn off the lights when you leave.", "Water boils at 100 degrees Celsius.",
      "A B C D E F G", "1 2 3 4 5 6 7 8 9 10", "   spaces   around   ", "Tab\tseparated\tvalues",
      "Line one\nLine two", "Is this the real life? Is this just fantasy?");
}
