package dev.embed4j.engine;

/**
 * A seeded source of random seeds for ops such as dropout. Its whole state is one {@code long}, so a
 * caller can save it and replay the same masks later (GradCache re-embeds mini-batches this way).
 *
 * <p>Each draw advances a SplitMix64 sequence; kernels then derive per-element randomness from the drawn
 * seed and the element index ({@link #uniform(long, long)}), so a CPU and a GPU backend produce the same
 * mask for the same seed.
 */
public final class Generator {
  private long state;

  public Generator(long seed) {
    this.state = seed;
  }

  public long nextSeed() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  /** SplitMix64's finaliser. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A uniform float in [0, 1) from a seed and an element index; the same on every backend. */
  public static float uniform(long seed, long index) {
    long h = mix(seed ^ (index * 0xD1B54A32D192ED03L));
    return (h >>> 40) * 0x1.0p-24f;
  }
}
