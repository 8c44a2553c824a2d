package dev.embed4j.engine;

import java.util.Arrays;

/** A tensor had the wrong shape for an op; the message names the op and the shapes involved. */
public final class ShapeException extends IllegalArgumentException {
  public ShapeException(String message) {
    super(message);
  }

  public static ShapeException of(String op, String problem, int[]... shapes) {
    StringBuilder sb = new StringBuilder(op).append(": ").append(problem);
    if (shapes.length > 0) {
      sb.append(" (shapes");
      for (int[] s : shapes) sb.append(' ').append(Arrays.toString(s));
      sb.append(')');
    }
    return new ShapeException(sb.toString());
  }
}
