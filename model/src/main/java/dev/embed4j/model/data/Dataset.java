package dev.embed4j.model.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A named table of training examples: text columns in order (anchor, positive, negative_1, ... for
 * ranking losses; sentence1, sentence2 for graded pairs) and, optionally, one numeric label column,
 * recognised by name as sentence-transformers does ({@code label}, {@code labels}, {@code score},
 * {@code scores}).
 */
public final class Dataset {
  /** Column names that hold a label or score rather than text. */
  public static final Set<String> LABEL_COLUMNS = Set.of("label", "labels", "score", "scores");

  private final String name;
  private final List<String> textColumns;
  private final String labelColumn;
  private final String[][] texts; // [row][column]
  private final float[] labels;

  private Dataset(String name, List<String> textColumns, String labelColumn, String[][] texts, float[] labels) {
    this.name = name;
    this.textColumns = List.copyOf(textColumns);
    this.labelColumn = labelColumn;
    this.texts = texts;
    this.labels = labels;
  }

  /**
   * Builds a dataset from rows of values in {@code columns} order. A column whose name is one of
   * {@link #LABEL_COLUMNS} must hold numbers; the others must hold strings.
   */
  public static Dataset of(String name, List<String> columns, List<? extends List<?>> rows) {
    if (columns.isEmpty()) throw new IllegalArgumentException("dataset '" + name + "': no columns");
    int labelIndex = -1;
    List<String> textCols = new ArrayList<>();
    for (int c = 0; c < columns.size(); c++) {
      String col = columns.get(c);
      if (LABEL_COLUMNS.contains(col.toLowerCase(Locale.ROOT))) {
        if (labelIndex >= 0) {
          throw new IllegalArgumentException("dataset '" + name + "': two label columns, '" + columns.get(labelIndex)
              + "' and '" + col + "'");
        }
        labelIndex = c;
      } else {
        textCols.add(col);
      }
    }
    if (textCols.isEmpty()) throw new IllegalArgumentException("dataset '" + name + "': no text columns in " + columns);
    String[][] texts = new String[rows.size()][];
    float[] labels = labelIndex < 0 ? null : new float[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      List<?> row = rows.get(r);
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("dataset '" + name + "', row " + r + ": " + row.size() + " values for "
            + columns.size() + " columns " + columns);
      }
      String[] t = new String[textCols.size()];
      for (int c = 0, k = 0; c < columns.size(); c++) {
        Object v = row.get(c);
        if (c == labelIndex) {
          labels[r] = toFloat(name, r, columns.get(c), v);
        } else {
          if (!(v instanceof String s)) {
            throw new IllegalArgumentException("dataset '" + name + "', row " + r + ", column '" + columns.get(c)
                + "': expected text, got " + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
          }
          t[k++] = s;
        }
      }
      texts[r] = t;
    }
    return new Dataset(name, textCols, labelIndex < 0 ? null : columns.get(labelIndex), texts, labels);
  }

  private static float toFloat(String name, int row, String col, Object v) {
    if (v instanceof Number n) return n.floatValue();
    if (v instanceof Boolean b) return b ? 1f : 0f;
    if (v instanceof String s) {
      try {
        return Float.parseFloat(s.trim());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException("dataset '" + name + "', row " + row + ", column '" + col
        + "': expected a number, got '" + v + "'");
  }

  public String name() {
    return name;
  }

  public int size() {
    return texts.length;
  }

  public List<String> textColumns() {
    return textColumns;
  }

  /** The label column's name, or null. */
  public String labelColumn() {
    return labelColumn;
  }

  public boolean hasLabels() {
    return labels != null;
  }

  public String text(int row, int column) {
    return texts[row][column];
  }

  /** All texts of one row, in column order. */
  public List<String> row(int row) {
    return Arrays.asList(texts[row].clone());
  }

  public float label(int row) {
    if (labels == null) throw new IllegalStateException("dataset '" + name + "' has no label column");
    return labels[row];
  }

  /** The rows at the given indices, in that order. */
  public Dataset select(int[] rows) {
    String[][] t = new String[rows.length][];
    float[] l = labels == null ? null : new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      t[i] = texts[rows[i]];
      if (l != null) l[i] = labels[rows[i]];
    }
    return new Dataset(name, textColumns, labelColumn, t, l);
  }

  /** Keeps only the named text columns (and the label), in the order given. */
  public Dataset columns(List<String> keep) {
    int[] idx = new int[keep.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = textColumns.indexOf(keep.get(i));
      if (idx[i] < 0) {
        throw new IllegalArgumentException("dataset '" + name + "' has no column '" + keep.get(i) + "'; it has "
            + textColumns);
      }
    }
    String[][] t = new String[texts.length][idx.length];
    for (int r = 0; r < texts.length; r++) for (int c = 0; c < idx.length; c++) t[r][c] = texts[r][idx[c]];
    return new Dataset(name, keep, labelColumn, t, labels);
  }

  public Dataset withName(String newName) {
    return new Dataset(newName, textColumns, labelColumn, texts, labels);
  }

  @Override
  public String toString() {
    return "Dataset(" + name + ", " + size() + " rows, columns " + textColumns
        + (labelColumn == null ? "" : ", label " + labelColumn) + ")";
  }
}
