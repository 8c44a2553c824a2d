package dev.embed4j.engine;

import dev.embed4j.engine.autograd.Autograd;
import dev.embed4j.engine.autograd.Node;
import dev.embed4j.engine.backend.Backend;
import dev.embed4j.engine.backend.Backends;
import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;
import dev.embed4j.engine.ops.Concat;
import dev.embed4j.engine.ops.Copy;
import dev.embed4j.engine.ops.CrossEntropy;
import dev.embed4j.engine.ops.ElementwiseBinary;
import dev.embed4j.engine.ops.ElementwiseUnary;
import dev.embed4j.engine.ops.Expand;
import dev.embed4j.engine.ops.L2Normalize;
import dev.embed4j.engine.ops.MaskedFill;
import dev.embed4j.engine.ops.MatMul;
import dev.embed4j.engine.ops.Permute;
import dev.embed4j.engine.ops.Reshape;
import dev.embed4j.engine.ops.Slice;
import dev.embed4j.engine.ops.Softmax;
import dev.embed4j.engine.ops.Sum;
import dev.embed4j.engine.ops.ToDevice;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * An n-dimensional float32 array on a device: a view (offset, shape, strides) over a {@link Storage}, with
 * the autograd state of a define-by-run graph ({@link #requiresGrad()}, {@link #grad()}, the node that made
 * it). Transpose, permute, slice, expand and (for contiguous tensors) reshape are views; the other ops
 * allocate their result.
 *
 * <p>Tensors are not thread-safe for mutation (in-place ops, {@code grad}); reading one from many threads
 * is safe. {@link #close()} frees the storage at once (useful on a GPU); the garbage collector does so
 * otherwise.
 */
public final class Tensor implements AutoCloseable {
  private final Storage storage;
  private final int offset;
  private final int[] shape;
  private final int[] strides;
  private boolean requiresGrad;
  private Tensor grad;
  private Node gradFn;
  private int outputIndex;

  /** A view over {@code storage}; ops use this, applications use the factories. */
  public Tensor(Storage storage, int offset, int[] shape, int[] strides) {
    this.storage = storage;
    this.offset = offset;
    this.shape = shape.clone();
    this.strides = strides.clone();
  }

  // ---- factories ----------------------------------------------------------------------------------------

  /** A CPU tensor over a copy of {@code data}, whose length must equal the product of {@code shape}. */
  public static Tensor of(float[] data, int... shape) {
    checkShape("Tensor.of", shape);
    if (numel(shape) != data.length) {
      throw new ShapeException("Tensor.of: " + data.length + " values do not fill shape "
          + Arrays.toString(shape) + " (" + numel(shape) + " elements)");
    }
    return new Tensor(Backends.cpu().upload(data.clone()), 0, shape, contiguousStrides(shape));
  }

  public static Tensor scalar(float value) {
    return of(new float[] {value});
  }

  public static Tensor zeros(int... shape) {
    return zeros(Device.CPU, shape);
  }

  public static Tensor zeros(Device device, int... shape) {
    checkShape("Tensor.zeros", shape);
    Storage storage = Backends.of(device).allocate(numel(shape));
    Autograd.noteNewStorage(storage);
    return new Tensor(storage, 0, shape, contiguousStrides(shape));
  }

  public static Tensor full(float value, int... shape) {
    Tensor t = zeros(shape);
    Backends.cpu().fill(t.storage, 0, t.numel(), value);
    return t;
  }

  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  /** Standard normal values from a seeded {@link Random}. */
  public static Tensor randn(long seed, int... shape) {
    checkShape("Tensor.randn", shape);
    Random r = new Random(seed);
    float[] d = new float[numel(shape)];
    for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
    return new Tensor(Backends.cpu().upload(d), 0, shape, contiguousStrides(shape));
  }

  /** Uniform values in [lo, hi) from a seeded {@link Random}. */
  public static Tensor uniform(long seed, float lo, float hi, int... shape) {
    checkShape("Tensor.uniform", shape);
    Random r = new Random(seed);
    float[] d = new float[numel(shape)];
    for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * r.nextFloat();
    return new Tensor(Backends.cpu().upload(d), 0, shape, contiguousStrides(shape));
  }

  // ---- shape and storage --------------------------------------------------------------------------------

  public int[] shape() {
    return shape.clone();
  }

  public int[] strides() {
    return strides.clone();
  }

  public int offset() {
    return offset;
  }

  public int dim() {
    return shape.length;
  }

  /** Size of axis {@code axis}; negative axes count from the end. */
  public int size(int axis) {
    return shape[normAxis(axis, shape.length, "size")];
  }

  public int numel() {
    return numel(shape);
  }

  public Device device() {
    return storage.device();
  }

  public Backend backend() {
    return Backends.of(storage.device());
  }

  /** The storage, after checking it has not been released. */
  public Storage storage() {
    if (storage.isReleased()) {
      throw new IllegalStateException("tensor " + Arrays.toString(shape) + " on " + device()
          + " was used after its storage was released (close() or release())");
    }
    return storage;
  }

  public boolean isReleased() {
    return storage.isReleased();
  }

  public boolean isContiguous() {
    int expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != expected) return false;
      expected *= shape[i];
    }
    return true;
  }

  /** This tensor if contiguous, else a contiguous copy (recorded for autograd). */
  public Tensor contiguous() {
    return isContiguous() ? this : Copy.apply(this);
  }

  /** A contiguous copy that shares nothing with this tensor (recorded for autograd). */
  public Tensor copy() {
    return Copy.apply(this);
  }

  /** The same values on {@code device}; this tensor itself if it is there already. */
  public Tensor to(Device device) {
    return device.equals(device()) ? this : ToDevice.apply(this, device);
  }

  /** The elements in row-major order, copied to a new array. */
  public float[] toFloatArray() {
    Tensor c = isContiguous() ? this : withGradOff(this::contiguous);
    float[] out = new float[numel()];
    c.backend().download(c.storage(), c.offset, out, 0, out.length);
    return out;
  }

  /** The value of a one-element tensor. */
  public float item() {
    if (numel() != 1) {
      throw new IllegalStateException("item(): tensor of shape " + Arrays.toString(shape) + " has "
          + numel() + " elements, not 1");
    }
    return toFloatArray()[0];
  }

  /** One element, by index along each axis. */
  public float get(int... index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of shape "
          + Arrays.toString(shape));
    }
    long pos = offset;
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= shape[i]) {
        throw new IndexOutOfBoundsException("get: index " + index[i] + " out of range for axis " + i
            + " of shape " + Arrays.toString(shape));
      }
      pos += (long) index[i] * strides[i];
    }
    float[] one = new float[1];
    backend().download(storage(), pos, one, 0, 1);
    return one[0];
  }

  // ---- autograd -----------------------------------------------------------------------------------------

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** Marks a leaf tensor as a parameter whose gradient {@link #backward()} should compute. */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null && !value) {
      throw new IllegalStateException("requiresGrad(false) on a tensor computed by " + gradFn.name()
          + "; use detach()");
    }
    requiresGrad = value;
    return this;
  }

  public Tensor grad() {
    return grad;
  }

  public void setGrad(Tensor g) {
    if (g != null && !Arrays.equals(g.shape, shape)) {
      throw ShapeException.of("setGrad", "gradient shape must equal the tensor's", shape, g.shape);
    }
    grad = g;
  }

  public void zeroGrad() {
    grad = null;
  }

  /** The node that computed this tensor, or null for a leaf. */
  public Node gradFn() {
    return gradFn;
  }

  public int outputIndex() {
    return outputIndex;
  }

  /** Called by {@link Node#attach}; not for applications. */
  public void setGradFn(Node node, int index) {
    this.gradFn = node;
    this.outputIndex = index;
    this.requiresGrad = true;
  }

  /** The same storage, cut from the graph. */
  public Tensor detach() {
    return new Tensor(storage, offset, shape, strides);
  }

  /** Back-propagates from this scalar. */
  public void backward() {
    Autograd.backward(this, null, false);
  }

  /** Back-propagates {@code gradient}, the gradient of some scalar with respect to this tensor. */
  public void backward(Tensor gradient) {
    Autograd.backward(this, gradient, false);
  }

  public void backward(Tensor gradient, boolean retainGraph) {
    Autograd.backward(this, gradient, retainGraph);
  }

  // ---- in-place (never recorded; for optimisers and gradient accumulation) ----------------------------

  /** this += other (same shape, this contiguous). */
  public void addInPlace(Tensor other) {
    requireInPlace("addInPlace", other);
    Tensor o = other.isContiguous() ? other : withGradOff(other::contiguous);
    backend().binary(BinaryOp.ADD, 0f, storage(), offset, strides, o.storage(), o.offset, o.strides,
        storage, shape);
  }

  /** this *= factor (this contiguous). */
  public void scaleInPlace(float factor) {
    requireInPlace("scaleInPlace", this);
    backend().unary(UnaryOp.SCALE, factor, storage(), offset, storage, offset, numel());
  }

  /** Copies {@code other}'s values into this tensor (same shape). */
  public void copyFrom(Tensor other) {
    if (!Arrays.equals(shape, other.shape)) throw ShapeException.of("copyFrom", "shapes differ", shape, other.shape);
    Tensor src = other.to(device());
    backend().copy(src.storage(), src.offset, src.strides, storage(), offset, strides, shape);
  }

  private void requireInPlace(String op, Tensor other) {
    // the backend writes element-wise outputs from offset 0 of their storage
    if (!isContiguous() || offset != 0) {
      throw new IllegalStateException(op + " needs a dense tensor (contiguous, from the start of its storage); got a view of "
          + Arrays.toString(shape) + " at offset " + offset);
    }
    if (!Arrays.equals(shape, other.shape)) throw ShapeException.of(op, "shapes differ", shape, other.shape);
    if (!device().equals(other.device())) {
      throw new IllegalArgumentException(op + ": tensors on different devices, " + device() + " and " + other.device());
    }
  }

  // ---- element-wise -------------------------------------------------------------------------------------

  public Tensor add(Tensor other) {
    return ElementwiseBinary.apply(BinaryOp.ADD, this, other);
  }

  public Tensor sub(Tensor other) {
    return ElementwiseBinary.apply(BinaryOp.SUB, this, other);
  }

  public Tensor mul(Tensor other) {
    return ElementwiseBinary.apply(BinaryOp.MUL, this, other);
  }

  public Tensor div(Tensor other) {
    return ElementwiseBinary.apply(BinaryOp.DIV, this, other);
  }

  public Tensor add(float value) {
    return ElementwiseUnary.apply(UnaryOp.ADD_SCALAR, value, this);
  }

  public Tensor sub(float value) {
    return ElementwiseUnary.apply(UnaryOp.ADD_SCALAR, -value, this);
  }

  public Tensor mul(float value) {
    return ElementwiseUnary.apply(UnaryOp.SCALE, value, this);
  }

  public Tensor div(float value) {
    return ElementwiseUnary.apply(UnaryOp.SCALE, 1f / value, this);
  }

  public Tensor exp() {
    return ElementwiseUnary.apply(UnaryOp.EXP, 0f, this);
  }

  public Tensor log() {
    return ElementwiseUnary.apply(UnaryOp.LOG, 0f, this);
  }

  public Tensor sqrt() {
    return ElementwiseUnary.apply(UnaryOp.SQRT, 0f, this);
  }

  public Tensor pow(float exponent) {
    return ElementwiseUnary.apply(UnaryOp.POW, exponent, this);
  }

  public Tensor neg() {
    return ElementwiseUnary.apply(UnaryOp.NEG, 0f, this);
  }

  public Tensor tanh() {
    return ElementwiseUnary.apply(UnaryOp.TANH, 0f, this);
  }

  public Tensor relu() {
    return ElementwiseUnary.apply(UnaryOp.RELU, 0f, this);
  }

  /** GELU in the exact erf form BERT uses. */
  public Tensor gelu() {
    return ElementwiseUnary.apply(UnaryOp.GELU, 0f, this);
  }

  /** {@code value} where {@code mask} (broadcast to this shape) is non-zero, this tensor elsewhere. */
  public Tensor maskedFill(Tensor mask, float value) {
    return MaskedFill.apply(this, mask, value);
  }

  // ---- reductions ---------------------------------------------------------------------------------------

  /** Sum of all elements, a tensor of shape []. */
  public Tensor sum() {
    int[] all = new int[shape.length];
    for (int i = 0; i < all.length; i++) all[i] = i;
    return Sum.apply(this, all, false);
  }

  public Tensor sum(int axis, boolean keepDim) {
    return Sum.apply(this, new int[] {axis}, keepDim);
  }

  public Tensor sum(int[] axes, boolean keepDim) {
    return Sum.apply(this, axes, keepDim);
  }

  public Tensor mean() {
    return sum().mul(1f / numel());
  }

  public Tensor mean(int axis, boolean keepDim) {
    return sum(axis, keepDim).mul(1f / size(axis));
  }

  // ---- matrix products and row-wise ops -----------------------------------------------------------------

  /** Matrix product over the last two axes; leading axes are batch axes (a 2-D operand is broadcast). */
  public Tensor matmul(Tensor other) {
    return MatMul.apply(this, other);
  }

  public Tensor softmax() {
    return Softmax.apply(this, false);
  }

  public Tensor logSoftmax() {
    return Softmax.apply(this, true);
  }

  /** Divides each row (last axis) by its L2 norm, as torch's F.normalize (eps 1e-12). */
  public Tensor l2Normalize() {
    return L2Normalize.apply(this, 1e-12f);
  }

  /** Mean cross-entropy of these [rows, classes] logits against integer targets. */
  public Tensor crossEntropy(int[] targets) {
    return CrossEntropy.apply(this, targets);
  }

  // ---- views and layout ---------------------------------------------------------------------------------

  /** The same elements in a new shape; one axis may be -1. A view when contiguous. */
  public Tensor reshape(int... newShape) {
    return Reshape.apply(this, newShape);
  }

  public Tensor transpose(int axis0, int axis1) {
    int[] perm = new int[shape.length];
    for (int i = 0; i < perm.length; i++) perm[i] = i;
    int a = normAxis(axis0, shape.length, "transpose"), b = normAxis(axis1, shape.length, "transpose");
    perm[a] = b;
    perm[b] = a;
    return Permute.apply(this, perm);
  }

  /** Transpose of the last two axes. */
  public Tensor t() {
    if (shape.length < 2) throw ShapeException.of("t", "needs at least 2 axes", shape);
    return transpose(-2, -1);
  }

  public Tensor permute(int... perm) {
    return Permute.apply(this, perm);
  }

  /** Elements [start, end) along {@code axis}, as a view. */
  public Tensor slice(int axis, int start, int end) {
    return Slice.apply(this, axis, start, end);
  }

  /** A broadcast view of this tensor at {@code newShape} (numpy rules). */
  public Tensor expand(int... newShape) {
    return Expand.apply(this, newShape);
  }

  public static Tensor concat(List<Tensor> tensors, int axis) {
    return Concat.apply(tensors, axis);
  }

  // ---- lifetime -----------------------------------------------------------------------------------------

  /** Frees the storage now; this tensor and every view of it become unusable. */
  @Override
  public void close() {
    storage.release();
  }

  public void release() {
    storage.release();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(" on ").append(device());
    if (gradFn != null) sb.append(" grad_fn=").append(gradFn.name());
    else if (requiresGrad) sb.append(" requires_grad");
    if (storage.isReleased()) return sb.append(" (released)").toString();
    if (numel() <= 16) sb.append(' ').append(Arrays.toString(toFloatArray()));
    return sb.toString();
  }

  // ---- shape arithmetic shared by the ops ---------------------------------------------------------------

  public static int numel(int[] shape) {
    long n = 1;
    for (int s : shape) n *= s;
    if (n > Integer.MAX_VALUE) throw new ShapeException("shape " + Arrays.toString(shape) + " has more than 2^31 elements");
    return (int) n;
  }

  public static int[] contiguousStrides(int[] shape) {
    int[] st = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      st[i] = s;
      s *= shape[i];
    }
    return st;
  }

  public static int normAxis(int axis, int rank, String op) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) throw new ShapeException(op + ": axis " + axis + " out of range for rank " + rank);
    return a;
  }

  private static void checkShape(String op, int[] shape) {
    for (int s : shape) {
      if (s < 0) throw new ShapeException(op + ": negative size in shape " + Arrays.toString(shape));
    }
  }

  private static Tensor withGradOff(java.util.function.Supplier<Tensor> f) {
    try (var g = Grad.off()) {
      return f.get();
    }
  }
}
