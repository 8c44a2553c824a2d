package dev.embed4j.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A trained model's contrastive loss is small (about 4e-4 for all-MiniLM-L6-v2 after one step) while
 * its two halves, log Z_i and the positive score, are both near the scale (20): the loss must still come
 * out with float32's relative precision, not float32's absolute precision at 20 (about 1e-6, which is
 * 2.5e-3 of such a loss). Values against the float64 formula on the same float inputs.
 */
class NearZeroLossPrecisionTest {
  /** Relative error the loss may have: float32 PyTorch gets about 1e-5 on such batches. */
  private static final double RELATIVE = 1e-5;

  /**
   * Columns of [batch, dim]: queries α·c + r_i around one common direction c (so negatives have cosine
   * about α²/(1 + α²)), positives and hard negatives the queries plus a little noise.
   */
  private static double[][] batch(long seed, int batch, int dim, int columns, double alpha, double noise) {
    Random r = new Random(seed);
    double[] c = new double[dim];
    for (int k = 0; k < dim; k++) c[k] = r.nextGaussian() / Math.sqrt(dim);
    double[][] cols = new double[columns][batch * dim];
    for (int i = 0; i < batch; i++) {
      for (int k = 0; k < dim; k++) {
        double q = alpha * c[k] + r.nextGaussian() / Math.sqrt(dim);
        cols[0][i * dim + k] = (float) q;
        for (int col = 1; col < columns; col++) {
          double spread = col == 1 ? noise : 2.0;
          cols[col][i * dim + k] = (float) (q + spread * r.nextGaussian() / Math.sqrt(dim));
        }
      }
    }
    return cols;
  }

  private static double relativeError(String name, EmbeddingLoss loss, double[][] cols, int batch, int dim,
      Reference reference) {
    List<Tensor> in = new ArrayList<>();
    for (double[] c : cols) {
      float[] f = new float[c.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) c[i];
      in.add(Tensor.of(f, batch, dim));
    }
    double expected = reference.apply(cols);
    double got = loss.computeLoss(in, null).item();
    double rel = Math.abs(got - expected) / expected;
    System.out.printf("%s: loss %.6e, float64 %.6e, relative error %.2e%n", name, got, expected, rel);
    return rel;
  }

  @FunctionalInterface
  interface Reference {
    double apply(double[][] cols);
  }

  private static void check(String name, MultipleNegativesRankingLoss loss, int columns, double minLoss,
      double maxLoss) {
    int batch = 32, dim = 48;
    double worst = 0;
    for (long seed = 1; seed <= 8; seed++) {
      double[][] cols = batch(seed, batch, dim, columns, 0.7, 0.04);
      double expected = Float64Losses.mnrl(cols, batch, dim, loss.scale(), true, loss.directions(),
          loss.partitionMode());
      assertTrue(expected > minLoss && expected < maxLoss, name + ": the batch should give a loss in ("
          + minLoss + ", " + maxLoss + "), got " + expected);
      worst = Math.max(worst, relativeError(name + " seed " + seed, loss, cols, batch, dim,
          c -> Float64Losses.mnrl(c, batch, dim, loss.scale(), true, loss.directions(), loss.partitionMode())));
    }
    assertTrue(worst < RELATIVE, name + ": worst relative error " + worst + " against float64, want < " + RELATIVE);
  }

  @Test
  void multipleNegativesRankingLossNearZero() {
    check("MNRL pairs", new MultipleNegativesRankingLoss(), 2, 1e-5, 5e-3);
  }

  @Test
  void multipleNegativesRankingLossWithHardNegativesNearZero() {
    check("MNRL hard negative", new MultipleNegativesRankingLoss(), 3, 1e-5, 5e-3);
  }

  @Test
  void symmetricNearZero() {
    check("MNSRL", new MultipleNegativesSymmetricRankingLoss(), 2, 1e-5, 5e-3);
  }

  @Test
  void jointQueryToQueryNearZero() {
    check("MNRL q→d + q→q joint", new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
        EnumSet.of(Direction.QUERY_TO_DOC, Direction.QUERY_TO_QUERY), PartitionMode.JOINT), 2, 1e-5, 5e-3);
  }

  /**
   * The gradients at such a loss are about the loss's size, so they are held to 1e-3 of themselves with an
   * absolute slack of 1e-9 (LossGradCheck's default 5e-4 would pass anything here).
   */
  @Test
  void gradientsNearZeroAgainstCentralDifferences() {
    int batch = 12, dim = 16;
    for (MultipleNegativesRankingLoss loss : List.of(new MultipleNegativesRankingLoss(),
        new MultipleNegativesSymmetricRankingLoss(), new MultipleNegativesRankingLoss(20f, SimilarityFunction.COSINE,
            EnumSet.allOf(Direction.class), PartitionMode.JOINT))) {
      double[][] cols = batch(3, batch, dim, 3, 0.5, 0.04);
      double value = Float64Losses.mnrl(cols, batch, dim, 20, true, loss.directions(), loss.partitionMode());
      LossGradCheck c = LossGradCheck.of(loss.name() + " " + loss.directions() + " near zero (" + value + ")")
          .tolerance(1e-3, 1e-9);
      for (double[] col : cols) c.input(col, batch, dim);
      c.check(in -> loss.computeLoss(in, null),
          x -> Float64Losses.mnrl(x, batch, dim, 20, true, loss.directions(), loss.partitionMode()));
    }
  }
}
