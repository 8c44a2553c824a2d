package dev.embed4j.cuda;

import static dev.embed4j.cuda.CudaContext.THREADS;

import dev.embed4j.engine.backend.BinaryOp;
import dev.embed4j.engine.backend.Storage;
import dev.embed4j.engine.backend.UnaryOp;

/**
 * The element-wise ops on the kernels of {@code elementwise.cu}: unary ops and their backward over contiguous
 * ranges, binary ops over strided (broadcast) operands, and dropout; grid-stride loops of
 * {@link CudaContext#THREADS} threads a block.
 */
final class ElementwiseKernels {
  private final CudaContext cuda;
  private final KernelArgs args;

  ElementwiseKernels(CudaContext cuda) {
    this.cuda = cuda;
    this.args = cuda.args;
  }

  /** The op numbers of elementwise.cu; spelled out rather than ordinal() so reordering the enum is harmless. */
  static int code(UnaryOp op) {
    return switch (op) {
      case EXP -> 0;
      case LOG -> 1;
      case SQRT -> 2;
      case NEG -> 3;
      case TANH -> 4;
      case GELU -> 5;
      case POW -> 6;
      case SCALE -> 7;
      case ADD_SCALAR -> 8;
      case RELU -> 9;
    };
  }

  static int code(BinaryOp op) {
    return switch (op) {
      case ADD -> 0;
      case SUB -> 1;
      case MUL -> 2;
      case DIV -> 3;
      case MASK_FILL -> 4;
    };
  }

  void unary(UnaryOp op, float param, Storage x, int xOffset, Storage y, int yOffset, int n) {
    if (n == 0) return;
    args.begin().i32(code(op)).f32(param).ptr(cuda.addr(x) + 4L * xOffset).ptr(cuda.addr(y) + 4L * yOffset).i32(n);
    cuda.launch(cuda.kernel("elementwise.cu", "e4j_unary"), cuda.blocks(n), THREADS);
  }

  void unaryBackward(UnaryOp op, float param, Storage x, Storage y, Storage gy, Storage gx, int n) {
    if (n == 0) return;
    args.begin().i32(code(op)).f32(param).ptr(cuda.addr(x)).ptr(cuda.addr(y)).ptr(cuda.addr(gy)).ptr(cuda.addr(gx)).i32(n);
    cuda.launch(cuda.kernel("elementwise.cu", "e4j_unary_backward"), cuda.blocks(n), THREADS);
  }

  void binary(BinaryOp op, float param, Storage a, int aOffset, int[] aStrides, Storage b, int bOffset, int[] bStrides,
      Storage out, int[] shape) {
    StridedLayout l = StridedLayout.of(shape, aStrides, bStrides);
    if (l.numel() == 0) return;
    long pa = cuda.addr(a) + 4L * aOffset, pb = cuda.addr(b) + 4L * bOffset, po = cuda.addr(out);
    int opCode = code(op);
    cuda.stridedLaunch(l, pa, pb, (inner, a0, a1, count) -> {
      NvrtcKernels.Kernel k = cuda.kernel("elementwise.cu", "e4j_binary");
      args.begin().i32(opCode).f32(param).ptr(a0).ptr(a1).ptr(po + 4L * inner.outOffset())
          .strided(inner.shape(), inner.s0(), inner.s1()).i32(count);
      cuda.launch(k, cuda.blocks(count), THREADS);
    });
  }

  void dropout(Storage x, Storage y, int n, float p, long seed) {
    if (n == 0) return;
    float scale = 1f / (1f - p); // in float, as the CPU computes it, so the values match bit for bit
    args.begin().ptr(cuda.addr(x)).ptr(cuda.addr(y)).i32(n).f32(p).f32(scale).u64(seed);
    cuda.launch(cuda.kernel("elementwise.cu", "e4j_dropout"), cuda.blocks(n), THREADS);
  }
}
