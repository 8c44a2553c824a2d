package dev.embed4j.losses;

import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Grad;
import dev.embed4j.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * GISTEmbed (Solatorio 2024, "GISTEmbed: Guided In-sample Selection of Training Negatives"), as
 * sentence-transformers' GISTEmbedLoss: in-batch contrastive learning where a guide model removes likely
 * false negatives. With cosine similarities s (the model) and g (the guide) and g⁺_i = g(a_i, p_i):
 * <pre>
 *   logits_i = [ s(a_i, p_·) | s(a_i, a_·) | s(p_i, p_·) | s(a_i, n_·) ] / temperature
 *   a candidate c is masked (−∞) when g(·_i, c) &gt; g⁺_i − margin   (absolute; relative: &gt; g⁺_i − |g⁺_i|·margin)
 *   loss = mean_i cross-entropy(logits_i, target i)
 * </pre>
 * The true positive s(a_i, p_i) is never masked. The anchor–anchor block is present when
 * {@code contrastAnchors}, the positive–positive block when {@code contrastPositives}, the negative block
 * when a third column is given. Defaults: temperature 0.01, absolute margin 0, both contrasts on.
 *
 * <p>The mask depends on the guide's similarities element by element, so this loss materialises its
 * B × (up to 4B) logits with engine ops rather than using the fused range-masked kernel.
 *
 * @param <T> one input (a text, or tokenised ids)
 */
public class GISTEmbedLoss<T> implements EncoderLoss<T> {
  private final Embedder<T> guide;
  private final float temperature;
  private final MarginStrategy marginStrategy;
  private final float margin;
  private final boolean contrastAnchors, contrastPositives;

  public GISTEmbedLoss(Embedder<T> guide) {
    this(guide, 0.01f, MarginStrategy.ABSOLUTE, 0f, true, true);
  }

  public GISTEmbedLoss(Embedder<T> guide, float temperature, MarginStrategy marginStrategy, float margin,
      boolean contrastAnchors, boolean contrastPositives) {
    if (!(temperature > 0) || !Float.isFinite(temperature)) {
      throw new IllegalArgumentException(name() + ": temperature must be a positive number, got " + temperature);
    }
    if (!Float.isFinite(margin)) throw new IllegalArgumentException(name() + ": margin must be finite, got " + margin);
    this.guide = guide;
    this.temperature = temperature;
    this.marginStrategy = marginStrategy;
    this.margin = margin;
    this.contrastAnchors = contrastAnchors;
    this.contrastPositives = contrastPositives;
  }

  public String name() {
    return getClass().getSimpleName();
  }

  Embedder<T> guide() {
    return guide;
  }

  @Override
  public Tensor forward(Embedder<T> model, List<List<T>> columns, float[] labels, Generator random) {
    InputChecks.inputColumns(name(), columns, 2, 3);
    List<Tensor> embeddings = new ArrayList<>();
    for (List<T> column : columns) embeddings.add(model.embed(column, random));
    return computeLoss(embeddings, guideEmbeddings(columns, MiniBatches.ofSize(Math.max(1, columns.get(0).size()))));
  }

  /** The guide's embeddings of every column, without a graph, in the given mini-batches. */
  List<Tensor> guideEmbeddings(List<List<T>> columns, MiniBatches<T> miniBatches) {
    // The guide is not trained and should be deterministic; its own generator keeps it from shifting the
    // model's dropout masks.
    Generator guideRandom = new Generator(0);
    List<Tensor> out = new ArrayList<>();
    try (var off = Grad.off()) {
      for (List<T> column : columns) {
        List<Tensor> parts = new ArrayList<>();
        int[] bounds = miniBatches.bounds(column);
        for (int k = 0; k + 1 < bounds.length; k++) {
          parts.add(guide.embed(column.subList(bounds[k], bounds[k + 1]), guideRandom));
        }
        out.add(parts.size() == 1 ? parts.get(0) : Tensor.concat(parts, 0));
      }
    }
    return out;
  }

  /**
   * The loss from the model's embeddings (anchor, positive[, negative]), with a graph, and the guide's
   * embeddings of the same columns.
   */
  public Tensor computeLoss(List<Tensor> embeddings, List<Tensor> guideEmbeddings) {
    int batch = InputChecks.embeddings(name(), embeddings, 2, 3, true);
    if (guideEmbeddings == null || guideEmbeddings.size() != embeddings.size()) {
      throw new IllegalArgumentException(name() + ": " + embeddings.size() + " embedding columns but "
          + (guideEmbeddings == null ? "no" : String.valueOf(guideEmbeddings.size())) + " guide columns");
    }
    if (InputChecks.embeddings(name() + " (guide)", guideEmbeddings, 2, 3, true) != batch) {
      throw new IllegalArgumentException(name() + ": the guide's columns have " + guideEmbeddings.get(0).size(0)
          + " rows, the model's " + batch);
    }
    Tensor a = embeddings.get(0).l2Normalize(), p = embeddings.get(1).l2Normalize();
    float[][] g = new float[guideEmbeddings.size()][];
    int guideDim = guideEmbeddings.get(0).size(1);
    try (var off = Grad.off()) {
      for (int c = 0; c < g.length; c++) g[c] = guideEmbeddings.get(c).l2Normalize().toFloatArray();
    }
    double[] threshold = new double[batch];
    for (int i = 0; i < batch; i++) {
      double positive = dot(g[0], i, g[1], i, guideDim);
      threshold[i] = marginStrategy == MarginStrategy.ABSOLUTE ? positive - margin : positive - Math.abs(positive) * margin;
    }
    List<Tensor> blocks = new ArrayList<>();
    List<float[]> masks = new ArrayList<>();
    blocks.add(a.matmul(p.t()));
    masks.add(mask(g[0], g[1], batch, guideDim, threshold, true));
    if (contrastAnchors) {
      blocks.add(a.matmul(a.t()));
      masks.add(mask(g[0], g[0], batch, guideDim, threshold, false));
    }
    if (contrastPositives) {
      blocks.add(p.matmul(p.t()));
      masks.add(mask(g[1], g[1], batch, guideDim, threshold, false));
    }
    if (embeddings.size() == 3) {
      blocks.add(a.matmul(embeddings.get(2).l2Normalize().t()));
      masks.add(mask(g[0], g[2], batch, guideDim, threshold, false));
    }
    int width = blocks.size() * batch;
    float[] all = new float[batch * width];
    for (int b = 0; b < masks.size(); b++) {
      float[] m = masks.get(b);
      for (int i = 0; i < batch; i++) System.arraycopy(m, i * batch, all, i * width + b * batch, batch);
    }
    Tensor logits = (blocks.size() == 1 ? blocks.get(0) : Tensor.concat(blocks, 1)).mul(1f / temperature);
    logits = logits.maskedFill(Tensor.of(all, batch, width).to(logits.device()), Float.NEGATIVE_INFINITY);
    int[] targets = new int[batch];
    for (int i = 0; i < batch; i++) targets[i] = i;
    return logits.crossEntropy(targets);
  }

  /** 1 where the guide's similarity of row i to candidate j is above row i's threshold. */
  private static float[] mask(float[] rows, float[] candidates, int batch, int dim, double[] threshold,
      boolean keepDiagonal) {
    float[] m = new float[batch * batch];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < batch; j++) {
        if (keepDiagonal && i == j) continue;
        if (dot(rows, i, candidates, j, dim) > threshold[i]) m[i * batch + j] = 1f;
      }
    }
    return m;
  }

  private static double dot(float[] x, int i, float[] y, int j, int dim) {
    double s = 0;
    for (int k = 0; k < dim; k++) s += (double) x[i * dim + k] * y[j * dim + k];
    return s;
  }
}
