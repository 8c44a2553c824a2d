package dev.embed4j.engine.cpu.gemm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The GEMM variants known to this process, by name, and the one the CPU backend uses. Built in:
 * {@code reference} (the double-accumulating twin) and the fast kernels; more come through
 * {@link ServiceLoader} or {@link #register}. The default is {@code -Dembed4j.gemm}, else {@value #DEFAULT}.
 */
public final class GemmKernels {
  public static final String DEFAULT = "packed";
  private static final Map<String, GemmKernel> KNOWN = new LinkedHashMap<>();
  private static volatile GemmKernel active;

  static {
    register(new ReferenceGemm());
    register(new PackedGemm());
    for (GemmKernel k : ServiceLoader.load(GemmKernel.class)) register(k);
    active = byName(System.getProperty("embed4j.gemm", DEFAULT));
  }

  private GemmKernels() {}

  public static synchronized void register(GemmKernel kernel) {
    KNOWN.put(kernel.name(), kernel);
  }

  public static synchronized GemmKernel byName(String name) {
    GemmKernel k = KNOWN.get(name);
    if (k == null) throw new IllegalArgumentException("no GEMM kernel named '" + name + "'; known: " + KNOWN.keySet());
    return k;
  }

  public static synchronized Iterable<String> names() {
    return java.util.List.copyOf(KNOWN.keySet());
  }

  /** The kernel the CPU backend calls. */
  public static GemmKernel active() {
    return active;
  }

  /** Makes {@code name} the active kernel and returns the previous one. */
  public static GemmKernel use(String name) {
    GemmKernel previous = active;
    active = byName(name);
    return previous;
  }
}
