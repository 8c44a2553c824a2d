package dev.embed4j.engine.cpu.gemm;

/**
 * Work done on C right after the GEMM has finished a strip of it, while the strip is still in L1: a bias added
 * to every row, an activation, whatever a layer does next to each element of its product. The GEMM calls it
 * once for every element of C, each strip of rows [row, row + rows) × columns [col, col + cols) once, in the
 * caller's indices (those of the whole C, whichever thread computed the strip), after the last k block wrote
 * it. Strips of different threads are disjoint, so an epilogue that writes only its own strip (of C, or of
 * arrays laid out like C) needs no locking.
 */
@FunctionalInterface
public interface GemmEpilogue {
  void apply(int row, int rows, int col, int cols);
}
