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

  /**
   * The threshold for {@link #keepMask}: ceil(p·2^24). uniform is a 24-bit integer u times 2^-24, both exact
   * in float, so u·2^-24 ≥ p exactly when u ≥ ceil(p·2^24).
   */
  public static int keepThreshold(float p) {
    return (int) Math.ceil(p * 0x1.0p24);
  }

  /**
   * Dropout's decision for one element as a bit mask: all ones when {@code uniform(seed, index) >= p} (kept),
   * zero when dropped, with {@code threshold = keepThreshold(p)}. The same decision as comparing
   * {@link #uniform}, made on its integer without a branch: a kept-or-dropped branch is random, and its
   * mispredictions made the kernels' mask loops about 1.7× slower.
   */
  public static int keepMask(long seed, long index, int threshold) {
    long u = mix(seed ^ (index * 0xD1B54A32D192ED03L)) >>> 40;
    return ~(int) ((u - threshold) >> 63);
  }
}
