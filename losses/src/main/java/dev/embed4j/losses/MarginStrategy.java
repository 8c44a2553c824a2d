package dev.embed4j.losses;

/**
 * How {@link GISTEmbedLoss} turns the guide's similarity to the true positive, g⁺, into the threshold
 * above which a candidate counts as a false negative: {@code ABSOLUTE}, g > g⁺ − margin;
 * {@code RELATIVE}, g > g⁺ − |g⁺|·margin: a margin of 0.05 lets a candidate reach 95% of a positive g⁺,
 * and for a negative g⁺ still puts the threshold below it, as sentence-transformers 5.6 does (PR #3821; it
 * was g⁺·(1 − margin), which for g⁺ = −0.5 and margin 0.05 gave −0.475, above the positive, so that a
 * candidate at −0.49, closer than the positive, was kept as a negative).
 */
public enum MarginStrategy {
  ABSOLUTE,
  RELATIVE
}
