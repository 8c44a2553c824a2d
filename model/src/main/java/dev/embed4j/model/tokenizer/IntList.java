package dev.embed4j.model.tokenizer;

import java.util.Arrays;

/** A growable int array, so token ids are never boxed. */
public final class IntList {
  private int[] a = new int[16];
  private int n;

  public void add(int v) {
    if (n == a.length) a = Arrays.copyOf(a, n * 2);
    a[n++] = v;
  }

  public int size() {
    return n;
  }

  public int get(int i) {
    return a[i];
  }

  void truncate(int size) {
    n = size;
  }

  public int[] toArray() {
    return Arrays.copyOf(a, n);
  }
}
