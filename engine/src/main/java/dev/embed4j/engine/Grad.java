package dev.embed4j.engine;

/**
 * Whether ops record a graph for {@link Tensor#backward()}. Recording is on by default and per thread;
 * {@code try (var g = Grad.off()) { ... }} turns it off for a block and restores the previous state.
 */
public final class Grad implements AutoCloseable {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});
  private final boolean previous;

  private Grad(boolean enabled) {
    boolean[] cell = ENABLED.get();
    previous = cell[0];
    cell[0] = enabled;
  }

  public static Grad off() {
    return new Grad(false);
  }

  public static Grad on() {
    return new Grad(true);
  }

  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  @Override
  public void close() {
    ENABLED.get()[0] = previous;
  }
}
