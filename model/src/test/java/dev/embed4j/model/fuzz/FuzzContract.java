package dev.embed4j.model.fuzz;

import java.util.Set;

/**
 * What every parser owes any input: it loads, or it throws one of the project's own exception types with a
 * message that names the file (and, where it can, the tensor, key or line). Anything else (a
 * NullPointerException, an index or arithmetic exception, a generic IllegalArgumentException without the
 * file) is a finding; errors (OutOfMemoryError, StackOverflowError) and hangs propagate to the fuzzer as
 * findings by themselves.
 */
final class FuzzContract {
  private FuzzContract() {}

  @FunctionalInterface
  interface Load {
    void run() throws Exception;
  }

  /**
   * Runs {@code load}; an exception passes only when its class is exactly one of {@code allowed} (so a
   * NumberFormatException is not let through as an IllegalArgumentException) and its message contains
   * {@code name}.
   */
  static void loadsOrNamesTheFile(String name, Set<Class<? extends Exception>> allowed, Load load) {
    try {
      load.run();
    } catch (Exception e) {
      if (!allowed.contains(e.getClass())) {
        throw new AssertionError("a " + e.getClass().getName() + " escaped; expected one of " + allowed, e);
      }
      String m = e.getMessage();
      if (m == null || !m.contains(name)) {
        throw new AssertionError("the error does not name '" + name + "': " + m, e);
      }
    }
  }
}
