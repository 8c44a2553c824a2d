package dev.embed4j.losses;

import dev.embed4j.engine.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The checks every loss makes on its inputs, with messages that name the loss and the column, so a bad
 * batch fails with a sentence rather than a shape error deep inside an op.
 */
final class InputChecks {
  private InputChecks() {}

  /** sentence-transformers' column names: anchor, positive, negative_1, … */
  static String rankingColumn(int c) {
    return c == 0 ? "anchor" : c == 1 ? "positive" : "negative_" + (c - 1);
  }

  static String pairColumn(int c) {
    return "sentence" + (c + 1);
  }

  /**
   * Checks the column count, that each column is a non-empty [batch, dim] tensor with the first column's
   * batch and dim, and that no embedding is NaN or infinite. Returns the batch size.
   */
  static int embeddings(String loss, List<Tensor> columns, int minColumns, int maxColumns, boolean ranking) {
    if (columns == null || columns.size() < minColumns || columns.size() > maxColumns) {
      String expected = minColumns == maxColumns ? String.valueOf(minColumns)
          : maxColumns == Integer.MAX_VALUE ? "at least " + minColumns : minColumns + " to " + maxColumns;
      throw new IllegalArgumentException(loss + ": expected " + expected + " embedding columns, got "
          + (columns == null ? "null" : columns.size()));
    }
    int batch = -1, dim = -1;
    for (int c = 0; c < columns.size(); c++) {
      String name = "column " + c + " (" + (ranking ? rankingColumn(c) : pairColumn(c)) + ")";
      Tensor t = columns.get(c);
      if (t == null) throw new IllegalArgumentException(loss + ": " + name + " is null");
      int[] s = t.shape();
      if (s.length != 2) {
        throw new IllegalArgumentException(loss + ": " + name + " must be [batch, dim], got shape " + Arrays.toString(s));
      }
      if (s[0] == 0) throw new IllegalArgumentException(loss + ": " + name + " is an empty batch");
      if (s[1] == 0) throw new IllegalArgumentException(loss + ": " + name + " has embeddings of dimension 0");
      if (c == 0) {
        batch = s[0];
        dim = s[1];
      } else if (s[0] != batch) {
        throw new IllegalArgumentException(loss + ": " + name + " has " + s[0] + " rows but column 0 ("
            + (ranking ? rankingColumn(0) : pairColumn(0)) + ") has " + batch + "; every column needs one row per example");
      } else if (s[1] != dim) {
        throw new IllegalArgumentException(loss + ": " + name + " has embeddings of dimension " + s[1]
            + " but column 0 has " + dim);
      }
      if (Double.isFinite(sumOfSquares(t))) continue;
      float[] v = t.toFloatArray(); // something is NaN or infinite: find it for the message
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          throw new IllegalArgumentException(loss + ": " + name + " has a " + (Float.isNaN(v[i]) ? "NaN" : "infinite")
              + " embedding value at row " + i / s[1] + ", dimension " + i % s[1]);
        }
      }
    }
    return batch;
  }

  /**
   * Σ x² in double where the tensor lives: finite exactly when every element is (a float squared stays far
   * below double's range), so a clean batch costs one reduction and one number back, not a copy of the
   * column to the host (100 MB a column at B = 65,536 on a GPU).
   */
  private static double sumOfSquares(Tensor t) {
    Tensor d = t.isContiguous() ? t : t.contiguous();
    return d.backend().sumOfSquares(d.storage(), d.offset(), d.numel());
  }

  /** One finite label per example, within [lo, hi]. */
  static void labels(String loss, float[] labels, int batch, float lo, float hi) {
    if (labels == null) throw new IllegalArgumentException(loss + ": needs one score per example (labels), got none");
    if (labels.length != batch) {
      throw new IllegalArgumentException(loss + ": " + labels.length + " scores (labels) for a batch of " + batch);
    }
    for (int i = 0; i < labels.length; i++) {
      if (!(labels[i] >= lo && labels[i] <= hi)) {
        throw new IllegalArgumentException(loss + ": score (label) " + labels[i] + " at row " + i + " is outside ["
            + lo + ", " + hi + "]");
      }
    }
  }

  /** The same number of inputs in every column, and at least one. */
  static <T> int inputColumns(String loss, List<List<T>> columns, int minColumns, int maxColumns) {
    if (columns == null || columns.size() < minColumns || columns.size() > maxColumns) {
      throw new IllegalArgumentException(loss + ": expected " + (minColumns == maxColumns ? "" + minColumns
          : maxColumns == Integer.MAX_VALUE ? "at least " + minColumns : minColumns + " to " + maxColumns)
          + " input columns, got " + (columns == null ? "null" : columns.size()));
    }
    int batch = columns.get(0).size();
    if (batch == 0) throw new IllegalArgumentException(loss + ": column 0 (" + rankingColumn(0) + ") is an empty batch");
    for (int c = 1; c < columns.size(); c++) {
      if (columns.get(c).size() != batch) {
        throw new IllegalArgumentException(loss + ": column " + c + " (" + rankingColumn(c) + ") has "
            + columns.get(c).size() + " inputs but column 0 (" + rankingColumn(0) + ") has " + batch);
      }
    }
    return batch;
  }

  /** A similarity the loss's A·Bᵀ products can compute: cosine or dot. */
  static void dotProductSimilarity(String loss, SimilarityFunction similarity) {
    if (similarity == null) throw new IllegalArgumentException(loss + ": the similarity is null; use DOT or COSINE");
    if (!similarity.isDotProduct()) {
      throw new IllegalArgumentException(loss + ": similarity " + similarity + " is not supported; use DOT or COSINE");
    }
  }
}
