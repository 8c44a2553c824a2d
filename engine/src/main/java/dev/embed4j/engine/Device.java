package dev.embed4j.engine;

/**
 * Where a tensor's storage lives. The CPU backend is built in; other kinds (for example {@code cuda})
 * are found at run time through {@link java.util.ServiceLoader} (see {@link dev.embed4j.engine.backend.Backends}).
 */
public record Device(String kind, int index) {
  public static final Device CPU = new Device("cpu", 0);

  public Device {
    if (kind == null || kind.isBlank()) throw new IllegalArgumentException("device kind must be non-empty");
    if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
  }

  public static Device cuda(int index) {
    return new Device("cuda", index);
  }

  /** Parses {@code cpu}, {@code cuda}, {@code cuda:1}. */
  public static Device parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) return new Device(text.trim().toLowerCase(java.util.Locale.ROOT), 0);
    return new Device(text.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
        Integer.parseInt(text.substring(colon + 1).trim()));
  }

  @Override
  public String toString() {
    return kind.equals("cpu") ? "cpu" : kind + ":" + index;
  }
}
