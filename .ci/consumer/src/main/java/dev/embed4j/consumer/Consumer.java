package dev.embed4j.consumer;

import dev.embed4j.losses.MultipleNegativesRankingLoss;
import dev.embed4j.model.SentenceEncoder;
import dev.embed4j.model.data.Dataset;
import dev.embed4j.model.data.Prompts;
import dev.embed4j.model.train.Trainer;
import dev.embed4j.model.train.TrainingArguments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a new user does with embed4j-model: the README's library example (the default model, a query and two
 * documents, their similarities, two training steps, save and load). Checks that the library printed nothing and set no system property.
 * Exits non-zero on any failure.
 */
public final class Consumer {
  public static void main(String[] args) throws Exception {
    Properties before = (Properties) System.getProperties().clone();
    PrintStream stdout = System.out, stderr = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
    float similar, unrelated;
    float[] reloaded, trained;
    int steps;
    System.setOut(capture);
    System.setErr(capture);
    try {
      // the README's library example, as a user copies it
      SentenceEncoder model = SentenceEncoder.defaultModel();                  // or load("org/name"), or a folder
      float[][] docs = model.encodeDocument(List.of("a bank that keeps money", "sloping land beside water"));
      float[] query = model.encodeQuery("a financial institution");
      float[][] scores = model.similarity(new float[][] {query}, docs);
      similar = scores[0][0];
      unrelated = scores[0][1];

      List<List<String>> rows = new ArrayList<>();
      for (int i = 0; i < 8; i++) rows.add(List.of("question " + i, "answer number " + i));
      Dataset pairs = Dataset.of("qa", List.of("anchor", "positive"), rows);
      Path out = Files.createTempDirectory("embed4j-consumer-run");
      steps = Trainer.builder().model(model)
          .task("qa", pairs, new MultipleNegativesRankingLoss())
          .prompts(Prompts.none().datasetColumn("qa", "anchor", "query: "))
          .args(TrainingArguments.defaults().withBatchSize(4).withMaxSteps(2).withOutputDir(out))
          .build().fit().steps();
      model.save(out.resolve("my-model"));
      reloaded = SentenceEncoder.load(out.resolve("my-model")).encodeQuery("a financial institution");
      trained = model.encodeQuery("a financial institution");
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    List<String> problems = new ArrayList<>();
    if (!(similar > unrelated)) problems.add("similarity " + similar + " (related) <= " + unrelated + " (unrelated)");
    if (steps != 2) problems.add("trained " + steps + " steps, expected 2");
    if (!java.util.Arrays.equals(reloaded, trained)) problems.add("the saved model embeds otherwise than the trained one");
    String text = printed.toString(StandardCharsets.UTF_8);
    // the JVM's own warning about the incubator module is not the library's printing
    text = text.lines().filter(l -> !l.contains("Using incubator modules")).reduce("", (a, b) -> a + b + "\n");
    if (!text.isBlank()) problems.add("the library printed:\n" + text);
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.equals("user.timezone")) continue; // the JDK fills it in the first time a time zone is asked for
      String was = before.getProperty(key), now = System.getProperty(key);
      if (!now.equals(was)) problems.add("the library set the system property " + key + "=" + now);
    }
    String where = Consumer.class.getModule().isNamed() ? "module path" : "class path";
    if (!problems.isEmpty()) {
      System.err.println("consumer (" + where + "): FAILED");
      problems.forEach(p -> System.err.println("  - " + p));
      System.exit(1);
    }
    System.out.printf("consumer (%s): similarity %.3f related, %.3f unrelated; 2 training steps; saved and reloaded alike; nothing printed, no property set%n",
        where, similar, unrelated);
  }
}
