package dev.embed4j.model.data;

import java.util.HashMap;
import java.util.Map;

/**
 * Which prompt (instruction prefix) each text gets, as sentence-transformers' {@code prompts} argument:
 * one string for everything, one per column, one per dataset, or one per dataset and column. The most
 * specific rule wins: dataset + column, then dataset, then column, then the global prompt.
 */
public final class Prompts {
  private String global = "";
  private final Map<String, String> byColumn = new HashMap<>();
  private final Map<String, String> byDataset = new HashMap<>();
  private final Map<String, Map<String, String>> byDatasetColumn = new HashMap<>();

  public static Prompts none() {
    return new Prompts();
  }

  public static Prompts all(String prompt) {
    return new Prompts().global(prompt);
  }

  public Prompts global(String prompt) {
    this.global = prompt == null ? "" : prompt;
    return this;
  }

  public Prompts column(String column, String prompt) {
    byColumn.put(column, prompt);
    return this;
  }

  public Prompts dataset(String dataset, String prompt) {
    byDataset.put(dataset, prompt);
    return this;
  }

  public Prompts datasetColumn(String dataset, String column, String prompt) {
    byDatasetColumn.computeIfAbsent(dataset, k -> new HashMap<>()).put(column, prompt);
    return this;
  }

  /** The prompt for a column of a dataset ("" for none). */
  public String prompt(String dataset, String column) {
    Map<String, String> dc = byDatasetColumn.get(dataset);
    if (dc != null && dc.containsKey(column)) return dc.get(column);
    if (byDataset.containsKey(dataset)) return byDataset.get(dataset);
    if (byColumn.containsKey(column)) return byColumn.get(column);
    return global;
  }
}
