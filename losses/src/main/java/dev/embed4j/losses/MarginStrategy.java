package dev.embed4j.losses;

/**
 * How {@link GISTEmbedLoss} turns the guide's similarity to the true positive, g⁺, into the threshold
 * above which a candidate counts as a false negative: {@code ABSOLUTE}, g > g⁺ − margin;
 * {@code RELATIVE}, g > g⁺·(1 − margin).
 */
public enum MarginStrategy {
  ABSOLUTE,
  RELATIVE
}
