package dev.embed4j.engine.cpu.gemm;

import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.ADD;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.MR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.NR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.OVERWRITE;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.SCALE;

import dev.embed4j.engine.cpu.Parallel;

/**
 * The fast CPU SGEMM (TODO javadoc).
 */
public final class PackedGemm implements GemmKernel {
  static final int DEFAULT_KC = 384, DEFAULT_MC = 128, DEFAULT_NC = 4096;
  /** Below this many multiply-adds one thread is faster than waking another. */
  static final long PARALLEL_MIN_FMAS = 1L << 20;

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  private final int kcMax, mcMax, ncMax;
  private final boolean touchC;

  public PackedGemm() {
    this(Integer.getInteger("embed4j.gemm.kc", DEFAULT_KC), Integer.getInteger("embed4j.gemm.mc", DEFAULT_MC),
        Integer.getInteger("embed4j.gemm.nc", DEFAULT_NC), true);
  }

  /** A variant with other blocking, for tuning: kc, mc (a multiple of MR) and nc (a multiple of NR). */
  PackedGemm(int kc, int mc, int nc, boolean touchC) {
    if (kc < 1 || mc < MR || mc % MR != 0 || nc < NR || nc % NR != 0) {
      throw new IllegalArgumentException("blocking kc=" + kc + " mc=" + mc + " nc=" + nc + ": need kc >= 1, mc a "
          + "multiple of " + MR + ", nc a multiple of " + NR);
    }
    this.kcMax = kc;
    this.mcMax = mc;
    this.ncMax = nc;
    this.touchC = touchC;
  }

  /** Per-thread packing buffers, grown on demand and reused so the loops never allocate. */
  static final class Workspace {
    float[] a = new float[0];
    float[] b = new float[0];
    final float[] tile = new float[MR * NR];
    float sink;

    float[] a(int size) {
      if (a.length < size) a = new float[size];
      return a;
    }

    float[] b(int size) {
      if (b.length < size) b = new float[size];
      return b;
    }
  }

  @Override
  public String name() {
    return "packed";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0f) {
      scale(m, n, beta, c, cOff, ldc);
      return;
    }
    int threads = Parallel.threads();
    if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS) {
      serial(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, WORKSPACE.get());
      return;
    }
    // each thread takes whole MR (or NR) panels of the longer side and runs the serial algorithm on its
    // slice, packing its own B: the duplicated packing is k·n of m·n·k/threads multiply-adds
    if (m >= n) {
      int panels = (m + MR - 1) / MR;
      Parallel.forRange(panels, 1, (lo, hi) -> {
        int i0 = lo * MR, i1 = Math.min(m, hi * MR);
        int aStart = transA ? aOff + i0 : aOff + i0 * lda;
        serial(transA, transB, i1 - i0, n, k, alpha, a, aStart, lda, b, bOff, ldb, beta, c, cOff + i0 * ldc, ldc,
            WORKSPACE.get());
      });
    } else {
      int panels = (n + NR - 1) / NR;
      Parallel.forRange(panels, 1, (lo, hi) -> {
        int j0 = lo * NR, j1 = Math.min(n, hi * NR);
        int bStart = transB ? bOff + j0 * ldb : bOff + j0;
        serial(transA, transB, m, j1 - j0, k, alpha, a, aOff, lda, b, bStart, ldb, beta, c, cOff + j0, ldc,
            WORKSPACE.get());
      });
    }
  }

  /** C = beta·C, the whole answer when k = 0 or alpha = 0 (beta = 0 writes zeros without reading C). */
  static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      if (beta == 0f) {
        java.util.Arrays.fill(c, row, row + n, 0f);
      } else if (beta != 1f) {
        for (int j = 0; j < n; j++) c[row + j] *= beta;
      }
    }
  }

  /** Splits [0, total) into the fewest blocks of at most max, equal in size rounded up to unit. */
  static int blockSize(int total, int max, int unit) {
    int blocks = (total + max - 1) / max;
    int size = (total + blocks - 1) / blocks;
    return Math.min(max, (size + unit - 1) / unit * unit);
  }

  void serial(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, Workspace w) {
    int kcb = blockSize(k, kcMax, 1), mcb = blockSize(m, mcMax, MR), ncb = blockSize(n, ncMax, NR);
    float[] pa = w.a((mcb + MR - 1) / MR * MR * kcb);
    float[] pb = w.b(((ncb + NR - 1) / NR) * NR * kcb);
    float[] tile = w.tile;
    float sink = 0;
    for (int jc = 0; jc < n; jc += ncb) {
      int nc = Math.min(ncb, n - jc);
      for (int pc = 0; pc < k; pc += kcb) {
        int kc = Math.min(kcb, k - pc);
        GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
        int mode = pc > 0 || beta == 1f ? ADD : beta == 0f ? OVERWRITE : SCALE;
        for (int ic = 0; ic < m; ic += mcb) {
          int mc = Math.min(mcb, m - ic);
          if (transA) GemmPacking.packTransposedA(a, aOff, lda, ic, mc, pc, kc, pa);
          else GemmPacking.packRowsA(a, aOff, lda, ic, mc, pc, kc, pa);
          for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bi = jr * kc;
            int cStrip = cOff + ic * ldc + jc + jr;
            if (touchC && mode != OVERWRITE) {
              // Java has no prefetch: load both ends of each row of this C strip now, all misses in
              // flight together, instead of one miss per micro-kernel call when it adds its tile
              for (int r = 0, ci = cStrip; r < mc; r++, ci += ldc) sink += c[ci] + c[ci + nr - 1];
            }
            for (int ir = 0; ir < mc; ir += MR) {
              int mr = Math.min(MR, mc - ir), ci = cStrip + ir * ldc;
              if (transA) {
                GemmMicroKernel.packedA(kc, pa, ir * kc, pb, bi, c, ci, ldc, mode, alpha, beta, mr, nr, tile);
              } else {
                GemmMicroKernel.rowsA(kc, pa, ir * kc, kc, pb, bi, c, ci, ldc, mode, alpha, beta, mr, nr, tile);
              }
            }
          }
        }
      }
    }
    w.sink = sink;
  }
}
