/*
 * Fused scaled-dot-product attention, flash style: O = softmax(Q K^T * scale + keyMask) V over
 * [batch, heads, seq, dim] tensors (contiguous), dim <= 128. No seqQ x seqK matrix ever reaches device
 * memory: the forward keeps a running max and sum per query row (online softmax) over key tiles held in
 * shared memory and saves only O and the row log-sum-exp; the backward recomputes score tiles from Q, K
 * and that log-sum-exp.
 *
 * Thread layout of every kernel here: 128 threads, 4 threads per row of the tile the block owns (query
 * rows in the forward and dQ kernels, key rows in the dK/dV kernel), so a row's 4 threads sit in one warp
 * and exchange values with __shfl_xor_sync / __syncwarp. Thread `sub` (0..3) of a row owns output
 * columns d = sub, sub + 4, sub + 8, ... (at most 32 of them, kept in registers) and the tile entries
 * j = sub, sub + 4, ... Shared-memory rows are padded to dim + 1 floats so the 8 rows a warp reads at the
 * same column fall in distinct banks. blockIdx.x is the (batch, head) index, blockIdx.y the tile, so
 * batch * heads may exceed 65535.
 *
 * Dropout on the probabilities (training; dropP = 0 turns it off): element (i, j) of pair bh is kept, times
 * dropScale = 1f / (1f - dropP), when e4jUniform(seed, (bh * seqQ + i) * seqK + j) >= dropP, the CPU
 * kernel's mask exactly. The forward's running sum uses the undropped P (lse is the softmax's), the
 * accumulator the dropped one; the backward multiplies dP = dO V^T by the same factors and uses the dropped
 * P for dV.
 *
 * Cost per (batch, head): forward 2 * seqQ * seqK * dim FMAs (scores, then P V); backward 4 (dK/dV
 * kernel: scores, dP, dV, dK) + 3 (dQ kernel: scores, dP, dQ) times seqQ * seqK * dim. Global traffic:
 * Q, O once per block; K and V once per block of query rows.
 */
#include "common.cuh"

#define ATT_THREADS 128
#define ATT_ROWS 32       /* rows a block owns: 128 threads / 4 */
#define ATT_FWD_BK 64     /* key tile of the forward */
#define ATT_BWD_TILE 32   /* the other-side tile of the backward kernels */
#define ATT_MAX_DPT 32    /* output columns per thread: dim <= 128 */

/** The dropout factor of score element (qi, kj) of pair bh: dropScale if kept, 0 if dropped, 1 without dropout. */
static __device__ __forceinline__ float attKeep(float dropP, float dropScale, unsigned long long seed, int bh,
    int seqQ, int seqK, int qi, int kj) {
  if (dropP <= 0.0f) return 1.0f;
  unsigned long long index = ((unsigned long long) bh * seqQ + qi) * seqK + kj;
  return e4jUniform(seed, index) >= dropP ? dropScale : 0.0f;
}

/** Loads rows [r0, r0 + count) of a [seq, dim] matrix into a [count][dim + 1] shared tile, zeros past seq. */
static __device__ __forceinline__ void loadTile(float* tile, const float* src, int r0, int count, int seq,
    int dim) {
  int ld = dim + 1;
  for (int e = threadIdx.x; e < count * dim; e += ATT_THREADS) {
    int r = e / dim, d = e - r * dim;
    int gr = r0 + r;
    tile[r * ld + d] = gr < seq ? src[(long long) gr * dim + d] : 0.0f;
  }
}

/**
 * Forward. Grid (batch * heads, ceil(seqQ / 32)), 128 threads. Dynamic shared memory:
 * (32 + 2 * 64) * (dim + 1) + 32 * 65 floats (Q tile, K and V tiles, P tile): 29 KB at dim 32, 49 KB
 * at dim 64, 89 KB at dim 128 (the host raises the block's shared-memory limit past 48 KB).
 * For each key tile: scores S = Q K^T * scale for the block's 32 rows x 64 keys (each thread 16 of its
 * row's), masked keys -> -inf; the new row max m' rescales the running sum l and the accumulator by
 * exp(m - m'); P = exp(S - m') goes to shared memory and acc += P V. At the end O = acc / l and
 * lse = m + log(l). A row whose keys are all masked gets O = 0 and lse = -inf.
 */
extern "C" __global__ void __launch_bounds__(ATT_THREADS) e4j_attention_forward(const float* q, const float* k,
    const float* v, const float* keyMask, float* out, float* lse, int heads, int seqQ, int seqK, int dim,
    float scale, float dropP, float dropScale, unsigned long long seed) {
  extern __shared__ float smem[];
  const int ld = dim + 1, pld = ATT_FWD_BK + 1;
  float* Qs = smem;
  float* Ks = Qs + ATT_ROWS * ld;
  float* Vs = Ks + ATT_FWD_BK * ld;
  float* Ps = Vs + ATT_FWD_BK * ld;

  const int bh = blockIdx.x, b = bh / heads;
  const int q0 = blockIdx.y * ATT_ROWS;
  const float* qb = q + (long long) bh * seqQ * dim;
  const float* kb = k + (long long) bh * seqK * dim;
  const float* vb = v + (long long) bh * seqK * dim;
  const float* mb = keyMask ? keyMask + (long long) b * seqK : 0;
  const int r = threadIdx.x >> 2, sub = threadIdx.x & 3;
  const int nd = (dim - sub + 3) >> 2;  // columns d = sub + 4i below dim

  loadTile(Qs, qb, q0, ATT_ROWS, seqQ, dim);

  float acc[ATT_MAX_DPT];
#pragma unroll
  for (int i = 0; i < ATT_MAX_DPT; i++) acc[i] = 0.0f;
  float m = -E4J_INF, l = 0.0f;

  for (int k0 = 0; k0 < seqK; k0 += ATT_FWD_BK) {
    __syncthreads();  // the previous tile's K, V and P are no longer read (and Q is loaded)
    loadTile(Ks, kb, k0, ATT_FWD_BK, seqK, dim);
    loadTile(Vs, vb, k0, ATT_FWD_BK, seqK, dim);
    __syncthreads();

    float s[ATT_FWD_BK / 4];
#pragma unroll
    for (int jj = 0; jj < ATT_FWD_BK / 4; jj++) s[jj] = 0.0f;
    for (int d = 0; d < dim; d++) {
      float qd = Qs[r * ld + d];
#pragma unroll
      for (int jj = 0; jj < ATT_FWD_BK / 4; jj++) s[jj] += qd * Ks[(sub + 4 * jj) * ld + d];
    }
    float tmax = -E4J_INF;
#pragma unroll
    for (int jj = 0; jj < ATT_FWD_BK / 4; jj++) {
      int kj = k0 + sub + 4 * jj;
      bool valid = kj < seqK && (mb == 0 || mb[kj] != 0.0f);
      s[jj] = valid ? s[jj] * scale : -E4J_INF;
      tmax = fmaxf(tmax, s[jj]);
    }
    tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
    tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 2));
    float mNew = fmaxf(m, tmax);
    float mUse = mNew == -E4J_INF ? 0.0f : mNew;  // all masked so far: exp(-inf - 0) = 0, no NaN
    float alpha = expf(m - mUse);
    float psum = 0.0f;
#pragma unroll
    for (int jj = 0; jj < ATT_FWD_BK / 4; jj++) {
      float p = expf(s[jj] - mUse);
      Ps[r * pld + sub + 4 * jj] = p * attKeep(dropP, dropScale, seed, bh, seqQ, seqK, q0 + r, k0 + sub + 4 * jj);
      psum += p;
    }
    psum += __shfl_xor_sync(0xffffffffu, psum, 1);
    psum += __shfl_xor_sync(0xffffffffu, psum, 2);
    l = l * alpha + psum;
    m = mNew;
    __syncwarp();  // the row's P entries, written by its 4 threads (one warp), are visible

#pragma unroll
    for (int i = 0; i < ATT_MAX_DPT; i++) {
      if (i < nd) {
        int d = sub + 4 * i;
        float a = acc[i] * alpha;
        for (int j = 0; j < ATT_FWD_BK; j++) a += Ps[r * pld + j] * Vs[j * ld + d];
        acc[i] = a;
      }
    }
  }

  int qi = q0 + r;
  if (qi < seqQ) {
    float inv = l > 0.0f ? 1.0f / l : 0.0f;
    float* orow = out + ((long long) bh * seqQ + qi) * dim;
#pragma unroll
    for (int i = 0; i < ATT_MAX_DPT; i++) {
      if (i < nd) orow[sub + 4 * i] = acc[i] * inv;
    }
    if (sub == 0) lse[(long long) bh * seqQ + qi] = l > 0.0f ? m + logf(l) : -E4J_INF;
  }
}

/**
 * delta[row] = sum_d gOut[row, d] * out[row, d] (= sum_j P_ij dP_ij), the per-row term of the softmax
 * backward. One warp a row, 8 warps a block, rows = batch * heads * seqQ.
 */
extern "C" __global__ void e4j_attention_delta(const float* out, const float* gOut, float* delta, int rows,
    int dim) {
  int row = blockIdx.x * E4J_WARPS_PER_BLOCK + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  long long o = (long long) row * dim;
  float s = 0.0f;
  for (int d = lane; d < dim; d += 32) s += gOut[o + d] * out[o + d];
  s = e4jWarpSum(s);
  if (lane == 0) delta[row] = s;
}

/**
 * dK and dV, key-block parallel (no atomics). Grid (batch * heads, ceil(seqK / 32)), 128 threads; the
 * block owns 32 keys and walks all query rows in tiles of 32. Dynamic shared memory:
 * 4 * 32 * (dim + 1) + 2 * 32 * 33 + 64 floats (K, V, Q, dO tiles; P^T and dS^T tiles; lse, delta):
 * 25 KB at dim 32, 41 KB at dim 64, 74 KB at dim 128.
 * Per query tile: P_ij = exp(S_ij - lse_i), dP_ij = dO_i . V_j, dS_ij = P_ij (dP_ij - delta_i) * scale;
 * then dV_j += sum_i P_ij dO_i and dK_j += sum_i dS_ij Q_i, accumulated in registers.
 */
extern "C" __global__ void __launch_bounds__(ATT_THREADS) e4j_attention_backward_kv(const float* q,
    const float* k, const float* v, const float* keyMask, const float* lse, const float* delta,
    const float* gOut, float* gk, float* gv, int heads, int seqQ, int seqK, int dim, float scale, float dropP,
    float dropScale, unsigned long long seed) {
  extern __shared__ float smem[];
  const int ld = dim + 1, tld = ATT_BWD_TILE + 1;
  float* Ks = smem;
  float* Vs = Ks + ATT_ROWS * ld;
  float* Qs = Vs + ATT_ROWS * ld;
  float* dOs = Qs + ATT_BWD_TILE * ld;
  float* Pt = dOs + ATT_BWD_TILE * ld;
  float* dSt = Pt + ATT_ROWS * tld;
  float* lseS = dSt + ATT_ROWS * tld;
  float* deltaS = lseS + ATT_BWD_TILE;

  const int bh = blockIdx.x, b = bh / heads;
  const int j0 = blockIdx.y * ATT_ROWS;
  const float* qb = q + (long long) bh * seqQ * dim;
  const float* gob = gOut + (long long) bh * seqQ * dim;
  const float* kb = k + (long long) bh * seqK * dim;
  const float* vb = v + (long long) bh * seqK * dim;
  const int jr = threadIdx.x >> 2, sub = threadIdx.x & 3;
  const int kj = j0 + jr;
  const bool keyValid = kj < seqK && (keyMask == 0 || keyMask[(long long) b * seqK + kj] != 0.0f);
  const int nd = (dim - sub + 3) >> 2;

  loadTile(Ks, kb, j0, ATT_ROWS, seqK, dim);
  loadTile(Vs, vb, j0, ATT_ROWS, seqK, dim);

  float dk[ATT_MAX_DPT], dv[ATT_MAX_DPT];
#pragma unroll
  for (int i = 0; i < ATT_MAX_DPT; i++) {
    dk[i] = 0.0f;
    dv[i] = 0.0f;
  }

  for (int i0 = 0; i0 < seqQ; i0 += ATT_BWD_TILE) {
    __syncthreads();  // the previous query tile is no longer read (and K, V are loaded)
    loadTile(Qs, qb, i0, ATT_BWD_TILE, seqQ, dim);
    loadTile(dOs, gob, i0, ATT_BWD_TILE, seqQ, dim);
    for (int e = threadIdx.x; e < ATT_BWD_TILE; e += ATT_THREADS) {
      int qi = i0 + e;
      lseS[e] = qi < seqQ ? lse[(long long) bh * seqQ + qi] : -E4J_INF;
      deltaS[e] = qi < seqQ ? delta[(long long) bh * seqQ + qi] : 0.0f;
    }
    __syncthreads();

    float s[ATT_BWD_TILE / 4], dp[ATT_BWD_TILE / 4];
#pragma unroll
    for (int ii = 0; ii < ATT_BWD_TILE / 4; ii++) {
      s[ii] = 0.0f;
      dp[ii] = 0.0f;
    }
    for (int d = 0; d < dim; d++) {
      float kd = Ks[jr * ld + d], vd = Vs[jr * ld + d];
#pragma unroll
      for (int ii = 0; ii < ATT_BWD_TILE / 4; ii++) {
        int i = sub + 4 * ii;
        s[ii] += Qs[i * ld + d] * kd;
        dp[ii] += dOs[i * ld + d] * vd;
      }
    }
#pragma unroll
    for (int ii = 0; ii < ATT_BWD_TILE / 4; ii++) {
      int i = sub + 4 * ii;
      float L = lseS[i];
      float p = (keyValid && L != -E4J_INF) ? expf(s[ii] * scale - L) : 0.0f;
      float z = attKeep(dropP, dropScale, seed, bh, seqQ, seqK, i0 + i, kj);
      Pt[jr * tld + i] = p * z;
      dSt[jr * tld + i] = p * (dp[ii] * z - deltaS[i]) * scale;
    }
    __syncwarp();  // the key row's P^T and dS^T entries come from its 4 threads, one warp

#pragma unroll
    for (int c = 0; c < ATT_MAX_DPT; c++) {
      if (c < nd) {
        int d = sub + 4 * c;
        float av = dv[c], ak = dk[c];
        for (int i = 0; i < ATT_BWD_TILE; i++) {
          av += Pt[jr * tld + i] * dOs[i * ld + d];
          ak += dSt[jr * tld + i] * Qs[i * ld + d];
        }
        dv[c] = av;
        dk[c] = ak;
      }
    }
  }

  if (kj < seqK) {
    float* gkr = gk + ((long long) bh * seqK + kj) * dim;
    float* gvr = gv + ((long long) bh * seqK + kj) * dim;
#pragma unroll
    for (int c = 0; c < ATT_MAX_DPT; c++) {
      if (c < nd) {
        gkr[sub + 4 * c] = dk[c];
        gvr[sub + 4 * c] = dv[c];
      }
    }
  }
}

/**
 * dQ, query-block parallel. Grid (batch * heads, ceil(seqQ / 32)), 128 threads; the block owns 32 query
 * rows and walks all keys in tiles of 32. Dynamic shared memory: 4 * 32 * (dim + 1) + 32 * 33 + 32 floats
 * (Q, dO, K, V tiles; dS tile; key validity). Per key tile: recompute P and dP as the dK/dV kernel does,
 * dS_ij = P_ij (dP_ij - delta_i) * scale, dQ_i += sum_j dS_ij K_j.
 */
extern "C" __global__ void __launch_bounds__(ATT_THREADS) e4j_attention_backward_q(const float* q,
    const float* k, const float* v, const float* keyMask, const float* lse, const float* delta,
    const float* gOut, float* gq, int heads, int seqQ, int seqK, int dim, float scale, float dropP, float dropScale,
    unsigned long long seed) {
  extern __shared__ float smem[];
  const int ld = dim + 1, tld = ATT_BWD_TILE + 1;
  float* Qs = smem;
  float* dOs = Qs + ATT_ROWS * ld;
  float* Ks = dOs + ATT_ROWS * ld;
  float* Vs = Ks + ATT_BWD_TILE * ld;
  float* dSs = Vs + ATT_BWD_TILE * ld;
  float* validS = dSs + ATT_ROWS * tld;

  const int bh = blockIdx.x, b = bh / heads;
  const int q0 = blockIdx.y * ATT_ROWS;
  const float* qb = q + (long long) bh * seqQ * dim;
  const float* gob = gOut + (long long) bh * seqQ * dim;
  const float* kb = k + (long long) bh * seqK * dim;
  const float* vb = v + (long long) bh * seqK * dim;
  const float* mb = keyMask ? keyMask + (long long) b * seqK : 0;
  const int r = threadIdx.x >> 2, sub = threadIdx.x & 3;
  const int qi = q0 + r;
  const int nd = (dim - sub + 3) >> 2;
  const float L = qi < seqQ ? lse[(long long) bh * seqQ + qi] : -E4J_INF;
  const float D = qi < seqQ ? delta[(long long) bh * seqQ + qi] : 0.0f;

  loadTile(Qs, qb, q0, ATT_ROWS, seqQ, dim);
  loadTile(dOs, gob, q0, ATT_ROWS, seqQ, dim);

  float dq[ATT_MAX_DPT];
#pragma unroll
  for (int i = 0; i < ATT_MAX_DPT; i++) dq[i] = 0.0f;

  for (int k0 = 0; k0 < seqK; k0 += ATT_BWD_TILE) {
    __syncthreads();
    loadTile(Ks, kb, k0, ATT_BWD_TILE, seqK, dim);
    loadTile(Vs, vb, k0, ATT_BWD_TILE, seqK, dim);
    for (int e = threadIdx.x; e < ATT_BWD_TILE; e += ATT_THREADS) {
      int kj = k0 + e;
      validS[e] = (kj < seqK && (mb == 0 || mb[kj] != 0.0f)) ? 1.0f : 0.0f;
    }
    __syncthreads();

    float s[ATT_BWD_TILE / 4], dp[ATT_BWD_TILE / 4];
#pragma unroll
    for (int jj = 0; jj < ATT_BWD_TILE / 4; jj++) {
      s[jj] = 0.0f;
      dp[jj] = 0.0f;
    }
    for (int d = 0; d < dim; d++) {
      float qd = Qs[r * ld + d], gd = dOs[r * ld + d];
#pragma unroll
      for (int jj = 0; jj < ATT_BWD_TILE / 4; jj++) {
        int j = sub + 4 * jj;
        s[jj] += qd * Ks[j * ld + d];
        dp[jj] += gd * Vs[j * ld + d];
      }
    }
#pragma unroll
    for (int jj = 0; jj < ATT_BWD_TILE / 4; jj++) {
      int j = sub + 4 * jj;
      float p = (validS[j] != 0.0f && L != -E4J_INF) ? expf(s[jj] * scale - L) : 0.0f;
      float z = attKeep(dropP, dropScale, seed, bh, seqQ, seqK, qi, k0 + j);
      dSs[r * tld + j] = p * (dp[jj] * z - D) * scale;
    }
    __syncwarp();

#pragma unroll
    for (int c = 0; c < ATT_MAX_DPT; c++) {
      if (c < nd) {
        int d = sub + 4 * c;
        float a = dq[c];
        for (int j = 0; j < ATT_BWD_TILE; j++) a += dSs[r * tld + j] * Ks[j * ld + d];
        dq[c] = a;
      }
    }
  }

  if (qi < seqQ) {
    float* gqr = gq + ((long long) bh * seqQ + qi) * dim;
#pragma unroll
    for (int c = 0; c < ATT_MAX_DPT; c++) {
      if (c < nd) gqr[sub + 4 * c] = dq[c];
    }
  }
}
