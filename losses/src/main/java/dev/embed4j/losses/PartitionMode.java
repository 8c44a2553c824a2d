package dev.embed4j.losses;

/**
 * How {@link MultipleNegativesRankingLoss} normalises over its directions: one softmax over the union of
 * all selected terms ({@code JOINT}), or one per direction with the per-direction losses averaged
 * ({@code PER_DIRECTION}).
 */
public enum PartitionMode {
  JOINT,
  PER_DIRECTION
}
