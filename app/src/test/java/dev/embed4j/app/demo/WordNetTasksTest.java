package dev.embed4j.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.model.data.Dataset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import net.sf.extjwnl.data.IndexWord;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.dictionary.Dictionary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WordNetTasksTest {
  static WordNetTasks tasks;

  @BeforeAll
  static void load() {
    tasks = WordNetTasks.load();
  }

  @Test
  void sensesAreSplitBySynsetWithoutOverlap() {
    assertTrue(tasks.senses().size() > 15000, "senses with examples: " + tasks.senses().size());
    int train = tasks.senses(WordNetTasks.Split.TRAIN).size(), test = tasks.senses(WordNetTasks.Split.TEST).size();
    assertEquals(0.8, (double) train / tasks.senses().size(), 0.02);
    assertEquals(0.1, (double) test / tasks.senses().size(), 0.02);
    Dataset tr = tasks.retrieval(WordNetTasks.Split.TRAIN, 100000, 1);
    Dataset te = tasks.retrieval(WordNetTasks.Split.TEST, 100000, 1);
    Set<String> trainDefs = new HashSet<>();
    for (int i = 0; i < tr.size(); i++) trainDefs.add(tr.text(i, 1));
    // different senses can share a lemma and an example ("fly: fly a kite"), but rarely
    int shared = 0;
    for (int i = 0; i < te.size(); i++) if (trainDefs.contains(te.text(i, 1))) shared++;
    assertTrue(shared < te.size() / 100, shared + " of " + te.size() + " test documents also occur in training");
    assertEquals(tasks.senses().size(), train + test + tasks.senses(WordNetTasks.Split.DEV).size());
  }

  @Test
  void glossesSplitIntoDefinitionAndExamples() throws Exception {
    Dictionary d = Dictionary.getDefaultResourceInstance();
    IndexWord bank = d.getIndexWord(POS.NOUN, "bank");
    boolean found = false;
    for (Synset s : bank.getSenses()) {
      var sense = WordNetTasks.parse(s);
      assertTrue(!sense.definition().contains("\""), sense.definition());
      for (String ex : sense.examples()) assertTrue(!ex.contains("\"") && !ex.isBlank());
      if (sense.definition().startsWith("a financial institution")) {
        found = true;
        assertTrue(sense.examples().get(0).contains("check"), sense.examples().toString());
        assertTrue(sense.document().startsWith("depository financial institution, bank"), sense.document());
      }
    }
    assertTrue(found);
  }

  @Test
  void wuPalmerAsNltkComputesIt() throws Exception {
    Dictionary d = Dictionary.getDefaultResourceInstance();
    Synset dog = d.getIndexWord(POS.NOUN, "dog").getSenses().get(0), cat = d.getIndexWord(POS.NOUN, "cat").getSenses().get(0);
    var cache = new HashMap<Synset, java.util.Map<Synset, Integer>>();
    assertEquals(1.0, WordNetTasks.wuPalmer(dog, dog, cache), 1e-12);
    // NLTK on WordNet 3.0: wn.synset('dog.n.01').wup_similarity(wn.synset('cat.n.01')) = 0.857
    assertEquals(0.857, WordNetTasks.wuPalmer(dog, cat, cache), 0.01);
    var pairs = tasks.wuPalmerPairs(WordNetTasks.Split.TEST, 50, 1);
    double min = 1, max = 0;
    for (double s : pairs.scores()) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    assertTrue(min < 0.4 && max > 0.6, "scores should spread: " + min + " .. " + max);
  }
}
