package dev.embed4j.losses;

import dev.embed4j.engine.Functional;
import dev.embed4j.engine.Generator;
import dev.embed4j.engine.Tensor;
import java.util.List;

/**
 * A small encoder for the GradCache tests: token embeddings, dropout, mean pooling over the tokens, a
 * linear layer. Each input is an int[] of {@link #LENGTH} token ids.
 */
final class TinyEncoder implements Embedder<int[]> {
  static final int VOCAB = 23, WIDTH = 8, DIM = 6, LENGTH = 3;
  final Tensor table, weight;
  private final float dropout;

  TinyEncoder(long seed, float dropout) {
    table = Tensor.randn(seed, VOCAB, WIDTH).requiresGrad(true);
    weight = Tensor.randn(seed + 1, WIDTH, DIM).mul(0.4f).detach().requiresGrad(true);
    this.dropout = dropout;
  }

  @Override
  public Tensor embed(List<int[]> inputs, Generator random) {
    int[] ids = new int[inputs.size() * LENGTH];
    for (int i = 0; i < inputs.size(); i++) System.arraycopy(inputs.get(i), 0, ids, i * LENGTH, LENGTH);
    Tensor tokens = Functional.embedding(table, ids, inputs.size(), LENGTH);
    if (dropout > 0) tokens = Functional.dropout(tokens, dropout, random);
    return tokens.mean(1, false).matmul(weight);
  }

  void zeroGrad() {
    table.zeroGrad();
    weight.zeroGrad();
  }

  static List<int[]> inputs(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    List<int[]> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) out.add(new int[] {r.nextInt(VOCAB), r.nextInt(VOCAB), r.nextInt(VOCAB)});
    return out;
  }
}
