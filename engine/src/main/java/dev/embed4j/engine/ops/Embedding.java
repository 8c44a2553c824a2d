package dev.embed4j.engine.ops;

import dev.embed4j.engine.ShapeException;
import dev.embed4j.engine.Tensor;
import dev.embed4j.engine.autograd.Node;
import java.util.Arrays;

/** Rows of a [vocab, dim] table gathered by integer ids; the backward scatter-adds into the table's gradient. */
public final class Embedding extends Node {
  private final int[] ids;
  private final int[] tableShape;

  private Embedding(Tensor table, int[] ids) {
    super(table);
    this.ids = ids;
    this.tableShape = table.shape();
  }

  /** Output shape is {@code idsShape} + [dim]. */
  public static Tensor apply(Tensor table, int[] ids, int... idsShape) {
    Checks.sameDevice("embedding", table);
    if (table.dim() != 2) throw ShapeException.of("embedding", "the table must be [vocab, dim]", table.shape());
    if (Tensor.numel(idsShape) != ids.length) {
      throw new ShapeException("embedding: " + ids.length + " ids do not fill shape " + Arrays.toString(idsShape));
    }
    int vocab = table.size(0), dim = table.size(1);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IndexOutOfBoundsException("embedding: id " + ids[i] + " at position " + i + " is outside the table's " + vocab + " rows");
      }
    }
    Tensor t = Checks.dense(table);
    int[] outShape = Arrays.copyOf(idsShape, idsShape.length + 1);
    outShape[idsShape.length] = dim;
    Tensor out = Checks.newContiguous(t, outShape);
    int[] copy = ids.clone();
    t.backend().gather(t.storage(), dim, copy, out.storage());
    return Node.recording(t) ? new Embedding(t, copy).attach(out) : out;
  }

  @Override
  protected Tensor[] backward(Tensor[] g) {
    Tensor gy = Checks.dense(g[0]);
    Tensor gt = Tensor.zeros(gy.device(), tableShape);
    gy.backend().scatterAdd(gy.storage(), tableShape[1], ids, gt.storage());
    return new Tensor[] {gt};
  }
}
