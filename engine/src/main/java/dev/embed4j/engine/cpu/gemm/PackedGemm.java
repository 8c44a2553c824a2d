package dev.embed4j.engine.cpu.gemm;

import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.ADD;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.MR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.NR;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.OVERWRITE;
import static dev.embed4j.engine.cpu.gemm.GemmMicroKernel.SCALE;

import dev.embed4j.engine.cpu.Parallel;

/**
 * The fast CPU SGEMM: GotoBLAS/BLIS blocking around a register-tiled Vector API micro-kernel.
 *
 * <p>Loops, outermost first: columns of C in blocks of NC; k in blocks of KC, packing op(B)[KC×NC] into
 * KC×NR panels ({@link GemmPacking#packB}); rows in blocks of MC, packing op(A)[MC×KC] into k-major
 * MR×kc panels whatever its transpose; then for each MR rows (or two MR panels at once, see below), for each
 * NR-wide B panel, one {@link GemmMicroKernel} call that keeps a tile of C in vector registers for the whole kc loop:
 * 4 rows × 2 vectors in 8 accumulators where the machine has 16 vector registers (AVX2), 8 rows × 2 vectors in 16
 * where the preferred vector is 512 bits (AVX-512 has 32 registers), {@link #DEFAULT_TILE_ROWS}. With the same
 * blocking both tiles read the same packing and give the same bits; the 8-row tile halves the B panel traffic per
 * FMA, which a core that issues two full 512-bit FMAs a cycle needs.
 * Packing turns all four transpose combinations into the same two layouts and pads edges with zeros, so
 * any m, n, k (1, 7, 257...) runs the same kernel; edge tiles store through a small per-thread buffer.
 * The first k block writes C with beta (beta = 0 never reads C), later blocks add.
 *
 * <p>Blocking, for a Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB shared L3): KC = {@value #DEFAULT_KC}
 * covers the encoder's k = 384 in one pass, so C is read and written once. The MR×kc A panel (6 KiB) stays in
 * L1 while the kernel runs along all the B panels of the block, which stream from L2 or L3 (kc×NR×4 = 24 KiB
 * each, 16 bytes a cycle at the kernel's pace), and C is written 4 rows at a time from left to right, a pattern
 * the hardware prefetchers follow (Java has no prefetch). MC = {@value #DEFAULT_MC} rows of packed A
 * (128×384×4 = 192 KiB) per pass. NC = {@value #DEFAULT_NC} packs B once for n ≤ 4096 (kc×nc×4 ≤ 6 MiB, in L3).
 * The 8-row tile (AVX-512) blocks k by up to {@value #DEFAULT_KC_EIGHT_ROWS} instead, so the feed-forward's k = 1536
 * also runs in one pass: C is not read back and rewritten per block of 384, which on the Zen 4 machine made
 * 4096×1536×384 9 % faster on one thread and 8 % on two (and 2048³ 2 %), while the A panel (8 rows × kc) streams
 * from L2 as fast as the kernel reads it (bench/RESULTS.md).
 * Per kernel call: 2·4·16·kc flops against 2 vector loads + 4 broadcasts (80 bytes from L1) per 8 FMAs, and 4 rows
 * of C (2×256 bytes) once per kc steps. {@code -Dembed4j.gemm.kc/mc/nc} override the blocking. The sizes and loop
 * orders tried against these are in bench/RESULTS.md ("Kernel history moved from the Javadoc").
 *
 * <p>Threads ({@link Parallel}): above {@value #PARALLEL_MIN_FMAS} multiply-adds, the longer of m and n
 * is split into one contiguous slice per thread, whole MR (or NR) panels each, and every thread runs
 * the serial algorithm on its slice with its own packing buffers (a {@link ThreadLocal}, grown once,
 * so the loops never allocate). For an m split the threads first pack all of op(B) together, panel by
 * panel, into the calling thread's buffer, then each reads it, rather than each packing all of B for itself
 * (k·n copies against m·n·k/threads multiply-adds: over 10 % of the encoder's time on short texts with two
 * threads). Small problems stay on the calling thread; with these blocking sizes they need no separate path
 * (64³ and 128×32×128 run as fast as OpenBLAS).
 *
 * <p>An optional {@link GemmEpilogue} runs on each MR-row strip of a column block as soon as the last k block has
 * written it, on the thread that computed it, while the strip is in L1: a layer's bias, activation, dropout and
 * residual add ({@code CpuBackend.linear}) then cost no pass over C from memory.
 *
 * <p>Measured: on this project's AVX-512 machine (AMD EPYC family 25 model 17, a Zen 4 core, whose 512-bit FMAs
 * issue as two 256-bit halves) both tiles run at the core's FMA peak, about 115 GFLOP/s a core, alone and in whole
 * prepacked GEMMs of the encoder's shapes (bench/RESULTS.md). Inside a whole GEMM on the 2-core Zen 3 machine one
 * thread keeps 0.82–0.86 of the micro-kernel's rate at 1024×384×1536 and 0.75 at 400×384×384 (the encoder on short
 * texts): the rest is packing (about 7 % there), the C tile update between calls and refills of the A panel from L2.
 */
public final class PackedGemm implements GemmKernel {
  static final int DEFAULT_KC = 384, DEFAULT_KC_EIGHT_ROWS = 1536, DEFAULT_MC = 128, DEFAULT_NC = 4096;
  /** Below this many multiply-adds one thread is faster than waking another. */
  static final long PARALLEL_MIN_FMAS = 1L << 20;

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  /**
   * Rows of C per micro-kernel call by default: 8 ({@link GemmMicroKernel#tile8}) where the preferred vector is 512
   * bits wide (AVX-512 has 32 vector registers, enough for 16 accumulators), else 4 ({@link GemmMicroKernel#tile});
   * {@code -Dembed4j.gemm.rows=4|8} overrides it.
   */
  public static final int DEFAULT_TILE_ROWS = Integer.getInteger("embed4j.gemm.rows",
      GemmMicroKernel.S.vectorBitSize() >= 512 ? 2 * MR : MR);

  private final int kcMax, mcMax, ncMax;
  /** 4 or 8: whether {@link #serial} runs the 8-row kernel over each pair of A panels. */
  private final boolean eightRows;

  public PackedGemm() {
    this(Integer.getInteger("embed4j.gemm.kc", defaultKc(DEFAULT_TILE_ROWS)),
        Integer.getInteger("embed4j.gemm.mc", DEFAULT_MC), Integer.getInteger("embed4j.gemm.nc", DEFAULT_NC),
        DEFAULT_TILE_ROWS);
  }

  /** The k block for a tile of 4 or 8 rows: {@value #DEFAULT_KC} or {@value #DEFAULT_KC_EIGHT_ROWS} (class comment). */
  public static int defaultKc(int tileRows) {
    return tileRows == 2 * MR ? DEFAULT_KC_EIGHT_ROWS : DEFAULT_KC;
  }

  /** A variant with other blocking, for tuning: kc, mc (a multiple of MR) and nc (a multiple of NR). */
  PackedGemm(int kc, int mc, int nc) {
    this(kc, mc, nc, DEFAULT_TILE_ROWS);
  }

  /**
   * A variant with other blocking and tile height, for tuning and for tests that hold every tile shape to the
   * reference on any machine: kc, mc (a multiple of MR), nc (a multiple of NR), and 4 or 8 rows per kernel call.
   */
  public PackedGemm(int kc, int mc, int nc, int tileRows) {
    if (kc < 1 || mc < MR || mc % MR != 0 || nc < NR || nc % NR != 0) {
      throw new IllegalArgumentException("blocking kc=" + kc + " mc=" + mc + " nc=" + nc + ": need kc >= 1, mc a "
          + "multiple of " + MR + ", nc a multiple of " + NR);
    }
    if (tileRows != MR && tileRows != 2 * MR) {
      throw new IllegalArgumentException("tile rows " + tileRows + ": the micro-kernels compute " + MR + " or "
          + 2 * MR + " rows (embed4j.gemm.rows)");
    }
    this.kcMax = kc;
    this.mcMax = mc;
    this.ncMax = nc;
    this.eightRows = tileRows == 2 * MR;
  }

  /** Rows of C per micro-kernel call: 4 or 8. */
  public int tileRows() {
    return eightRows ? 2 * MR : MR;
  }

  /**
   * Rows of an A panel and columns of a B panel of {@link #packedProduct}: the micro-kernel's tile, {@value
   * GemmMicroKernel#MR} × two vectors.
   */
  public static final int PANEL_ROWS = MR, PANEL_COLUMNS = NR;

  /**
   * C (m × n, row-major, ldc) = A·B, or C += A·B with {@code add}, on operands the caller packed as the micro-kernel
   * reads them, for a caller that lays out small operands itself as it makes them (attention's dK and dV):
   * A in panels of {@link #PANEL_ROWS} rows, panel g at g·k·PANEL_ROWS holding element (g·PANEL_ROWS + r, t) at
   * t·PANEL_ROWS + r; B in panels of {@link #PANEL_COLUMNS} columns, panel p at p·k·PANEL_COLUMNS holding element
   * (t, p·PANEL_COLUMNS + j) at t·PANEL_COLUMNS + j; both zero-padded to whole panels. One thread, no blocking:
   * meant for operands that sit in L1/L2 (k of a few hundred). {@code tile}: PANEL_ROWS·PANEL_COLUMNS floats of
   * scratch for the edge tiles.
   */
  public static void packedProduct(int m, int n, int k, float[] pa, float[] pb, float[] c, int cOff, int ldc,
      boolean add, float[] tile) {
    int mode = add ? ADD : OVERWRITE;
    for (int ir = 0; ir < m; ir += MR) {
      int mr = Math.min(MR, m - ir);
      for (int jr = 0; jr < n; jr += NR) {
        GemmMicroKernel.tile(k, pa, ir * k, pb, jr * k, c, cOff + ir * ldc + jr, ldc, mode, 1f, 0f, mr,
            Math.min(NR, n - jr), tile);
      }
    }
  }

  /** Per-thread packing buffers, grown on demand and reused so the loops never allocate. */
  static final class Workspace {
    float[] a = new float[0];
    float[] b = new float[0];
    /** All of op(B), packed by every thread for a row split that this thread called. */
    float[] shared = new float[0];
    final float[] tile = new float[2 * MR * NR];

    float[] a(int size) {
      if (a.length < size) a = new float[size];
      return a;
    }

    float[] b(int size) {
      if (b.length < size) b = new float[size];
      return b;
    }

    float[] shared(int size) {
      if (shared.length < size) shared = new float[size];
      return shared;
    }
  }

  @Override
  public String name() {
    return "packed";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, null);
  }

  /** {@link #gemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)} with an epilogue (or null) on each finished strip of C. */
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, GemmEpilogue epilogue) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0f) {
      scale(m, n, beta, c, cOff, ldc);
      if (epilogue != null) epilogue.apply(0, m, 0, n);
      return;
    }
    int threads = Parallel.threads();
    if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS) {
      serial(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, WORKSPACE.get(), null,
          epilogue, 0, 0);
      return;
    }
    // each thread takes whole MR (or NR) panels of the longer side and runs the serial algorithm on its
    // slice. A row split shares one packing of B, made by all threads first; a column split packs its own
    // B columns and all of A (k·m of m·n·k/threads multiply-adds).
    if (m >= n) {
      int kcb = blockSize(k, kcMax, 1), ncb = blockSize(n, ncMax, NR);
      int panelsB = (n + NR - 1) / NR;
      float[] shared = WORKSPACE.get().shared(panelsB * NR * k);
      Parallel.forRange(panelsB, 1, (q0, q1) -> packAllB(transB, b, bOff, ldb, k, n, kcb, ncb, q0, q1, shared));
      rowSplit(transA, transB, m, n, k, alpha, a, aOff, lda, beta, c, cOff, ldc, shared, epilogue);
    } else {
      int panels = (n + NR - 1) / NR;
      Parallel.forRange(panels, 1, (lo, hi) -> {
        int j0 = lo * NR, j1 = Math.min(n, hi * NR);
        int bStart = transB ? bOff + j0 * ldb : bOff + j0;
        serial(transA, transB, m, j1 - j0, k, alpha, a, aOff, lda, b, bStart, ldb, beta, c, cOff + j0, ldc,
            WORKSPACE.get(), null, epilogue, 0, j0);
      });
    }
  }

  /**
   * op(B) packed whole, in the layout {@link #serial} reads from a shared packing, for a B that many GEMMs
   * read unchanged (a weight): {@link #gemm(boolean, int, float, float[], int, int, PackedB, float, float[],
   * int, int)} then skips the packing, which for the encoder's weights on short texts (m ≈ 200 rows against
   * k·n = 384×1536) took a tenth of the time. Immutable; valid for the packer that made it and for as long
   * as B's values stay as they were (the caller's concern: {@code CpuBackend} keys it to the storage's version).
   */
  public record PackedB(PackedGemm packer, boolean transB, int k, int n, float[] panels) {}

  /** Packs all of op(B) (k×n; B stored n×k with {@code transB}) for reuse, over all threads. */
  public PackedB pack(boolean transB, float[] b, int bOff, int ldb, int k, int n) {
    if (k <= 0 || n <= 0) throw new IllegalArgumentException("pack: k = " + k + " and n = " + n + " must be positive");
    int kcb = blockSize(k, kcMax, 1), ncb = blockSize(n, ncMax, NR);
    int panelsB = (n + NR - 1) / NR;
    float[] panels = new float[panelsB * NR * k];
    if ((long) k * n < PARALLEL_MIN_FMAS / 16 || Parallel.threads() <= 1) {
      packAllB(transB, b, bOff, ldb, k, n, kcb, ncb, 0, panelsB, panels);
    } else {
      Parallel.forRange(panelsB, 1, (q0, q1) -> packAllB(transB, b, bOff, ldb, k, n, kcb, ncb, q0, q1, panels));
    }
    return new PackedB(this, transB, k, n, panels);
  }

  /**
   * C = alpha·op(A)·op(B) + beta·C with op(B) packed beforehand by {@link #pack} of this instance. Threads
   * split the rows whichever side is longer, all reading the one packing; the results equal {@link #gemm}'s
   * bit for bit.
   */
  public void gemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedB b, float beta, float[] c,
      int cOff, int ldc) {
    gemm(transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc, null);
  }

  /** {@link #gemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int)} with an epilogue (or null) on each finished strip of C. */
  public void gemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedB b, float beta, float[] c,
      int cOff, int ldc, GemmEpilogue epilogue) {
    if (b.packer() != this) throw new IllegalArgumentException("op(B) was packed by another GEMM instance");
    int n = b.n(), k = b.k();
    if (m <= 0) return;
    if (alpha == 0f) {
      scale(m, n, beta, c, cOff, ldc);
      if (epilogue != null) epilogue.apply(0, m, 0, n);
      return;
    }
    int threads = Parallel.threads();
    if (threads <= 1 || (long) m * n * k < PARALLEL_MIN_FMAS || m < 2 * MR) {
      serial(transA, b.transB(), m, n, k, alpha, a, aOff, lda, null, 0, 0, beta, c, cOff, ldc, WORKSPACE.get(),
          b.panels(), epilogue, 0, 0);
      return;
    }
    rowSplit(transA, b.transB(), m, n, k, alpha, a, aOff, lda, beta, c, cOff, ldc, b.panels(), epilogue);
  }

  /** Whole tiles of rows (4 or 8) to each thread, every thread reading the one packing of all of op(B). */
  private void rowSplit(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float beta, float[] c, int cOff, int ldc, float[] packedB, GemmEpilogue epilogue) {
    int rows = tileRows(), panels = (m + rows - 1) / rows;
    Parallel.forRange(panels, 1, (lo, hi) -> {
      int i0 = lo * rows, i1 = Math.min(m, hi * rows);
      int aStart = transA ? aOff + i0 : aOff + i0 * lda;
      serial(transA, transB, i1 - i0, n, k, alpha, a, aStart, lda, null, 0, 0, beta, c, cOff + i0 * ldc, ldc,
          WORKSPACE.get(), packedB, epilogue, i0, 0);
    });
  }

  /**
   * The micro-kernel alone for at least {@code multiplyAdds} multiply-adds, split over {@link Parallel}'s
   * threads, on packed panels that stay in cache (B: one kc×NR panel in L1; A: 32 MR-row panels in L2): no packing,
   * no blocking loops, nothing else. No GEMM on this kernel, and no model whose GEMMs do that many
   * multiply-adds, can take less time; benchmarks time it to bound a workload. Returns a value of C to consume.
   */
  public static float kernelAlone(long multiplyAdds) {
    return kernelAlone(multiplyAdds, DEFAULT_TILE_ROWS);
  }

  /** {@link #kernelAlone(long)} with the 4-row or the 8-row micro-kernel. */
  public static float kernelAlone(long multiplyAdds, int tileRows) {
    int kc = DEFAULT_KC, rows = 32 * MR;
    boolean eight = tileRows == 2 * MR;
    long perCall = (long) tileRows * NR * kc;
    long calls = (multiplyAdds + perCall - 1) / perCall;
    float[] sink = new float[1];
    Parallel.forRange((int) Math.min(Integer.MAX_VALUE, calls), 1, (lo, hi) -> {
      float[] pa = new float[rows * kc], pb = new float[NR * kc], c = new float[rows * NR], tile = new float[2 * MR * NR];
      for (int i = 0; i < pa.length; i++) pa[i] = (i % 7) * 0.25f;
      for (int i = 0; i < pb.length; i++) pb[i] = (i % 5) * 0.5f;
      for (int i = lo; i < hi; i++) {
        if (eight) {
          int row = (i & 15) * 2 * MR;
          GemmMicroKernel.tile8(kc, pa, row * kc, pb, 0, c, row * NR, NR, OVERWRITE, 1f, 0f, 2 * MR, NR, tile);
        } else {
          int row = (i & 31) * MR;
          GemmMicroKernel.tile(kc, pa, row * kc, pb, 0, c, row * NR, NR, OVERWRITE, 1f, 0f, MR, NR, tile);
        }
      }
      synchronized (sink) {
        sink[0] += c[0] + c[c.length - 1];
      }
    });
    return sink[0];
  }

  /**
   * Packs panels [q0, q1) (NR columns each, counted over all of n) of op(B) for every k block, into the
   * layout {@link #serial} reads from a shared packing: block (jc, pc) at jc·k + pc·ncPad, where ncPad is
   * the block's width rounded up to NR, each block laid out as {@link GemmPacking#packB} lays it out.
   */
  static void packAllB(boolean transB, float[] b, int bOff, int ldb, int k, int n, int kcb, int ncb, int q0, int q1,
      float[] pb) {
    for (int jc = 0; jc < n; jc += ncb) {
      int nc = Math.min(ncb, n - jc), ncPad = padded(nc);
      int first = jc / NR, lo = Math.max(q0, first), hi = Math.min(q1, first + ncPad / NR);
      if (lo >= hi) continue;
      int j0 = lo * NR, j1 = Math.min(jc + nc, hi * NR);
      for (int pc = 0; pc < k; pc += kcb) {
        int kc = Math.min(kcb, k - pc);
        GemmPacking.packB(transB, b, bOff, ldb, pc, kc, j0, j1 - j0, pb, jc * k + pc * ncPad + (j0 - jc) * kc);
      }
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

  /** A block's width rounded up to whole NR panels, as it lies packed. */
  private static int padded(int nc) {
    return (nc + NR - 1) / NR * NR;
  }

  /**
   * The blocked algorithm on one thread. With {@code packedB} null it packs each block of op(B) itself;
   * otherwise it reads the blocks from there, packed by {@link #packAllB} for the same n and k. With an epilogue,
   * each MR-row strip of a column block is handed to it as soon as the last k block has written it (at rows
   * row0 + i, columns col0 + j in the epilogue's indices).
   */
  void serial(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, Workspace w, float[] packedB,
      GemmEpilogue epilogue, int row0, int col0) {
    int kcb = blockSize(k, kcMax, 1), mcb = blockSize(m, mcMax, tileRows()), ncb = blockSize(n, ncMax, NR);
    float[] pa = w.a((mcb + MR - 1) / MR * MR * kcb);
    float[] pb = packedB != null ? packedB : w.b(padded(ncb) * kcb);
    float[] tile = w.tile;
    for (int jc = 0; jc < n; jc += ncb) {
      int nc = Math.min(ncb, n - jc);
      for (int pc = 0; pc < k; pc += kcb) {
        int kc = Math.min(kcb, k - pc), pbBase = 0;
        if (packedB == null) GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb, 0);
        else pbBase = jc * k + pc * padded(nc);
        int mode = pc > 0 || beta == 1f ? ADD : beta == 0f ? OVERWRITE : SCALE;
        boolean last = pc + kc >= k;
        for (int ic = 0; ic < m; ic += mcb) {
          int mc = Math.min(mcb, m - ic);
          if (transA) GemmPacking.packTransposedA(a, aOff, lda, ic, mc, pc, kc, pa);
          else GemmPacking.packRowsA(a, aOff, lda, ic, mc, pc, kc, pa);
          // the A panel of these MR rows stays in L1 while the B panels stream past (see the class comment)
          for (int ir = 0; ir < mc; ) {
            int mr;
            if (eightRows && mc - ir >= 2 * MR) {
              // two A panels at once (both in L1), each B panel read once for both
              mr = 2 * MR;
              for (int jr = 0; jr < nc; jr += NR) {
                int nr = Math.min(NR, nc - jr), bi = pbBase + jr * kc;
                GemmMicroKernel.tile8(kc, pa, ir * kc, pb, bi, c, cOff + (ic + ir) * ldc + jc + jr, ldc, mode, alpha,
                    beta, mr, nr, tile);
              }
            } else {
              mr = Math.min(MR, mc - ir);
              for (int jr = 0; jr < nc; jr += NR) {
                int nr = Math.min(NR, nc - jr), bi = pbBase + jr * kc;
                GemmMicroKernel.tile(kc, pa, ir * kc, pb, bi, c, cOff + (ic + ir) * ldc + jc + jr, ldc, mode, alpha,
                    beta, mr, nr, tile);
              }
            }
            if (last && epilogue != null) epilogue.apply(row0 + ic + ir, mr, col0 + jc, nc);
            ir += mr;
          }
        }
      }
    }
  }
}
