// Portable, BLAS-free single-precision GEMM (row-major), GotoBLAS/BLIS style.
//
// Loop nest run by each thread over its own range of C:
//
//   for jc in N step NC            B panel KC x NC    (NC = 4096 -> <= 4 MiB, in L3)
//     for pc in K step KC          pack op(B) into NR-wide micro-panels
//       for ic in M step MC        pack op(A) into MR-tall micro-panels
//                                  A block MC x KC   (MC = 144 -> 144 KiB, in L2)
//         for jr in nc step NR
//           for ir in mc step MR   micro-kernel: MR x NR tile of C kept in
//                                  registers; its KC x NR B micro-panel
//                                  (KC = 256 -> 16 KiB) stays in L1.
//
// The micro-kernel uses GCC/Clang vector extensions (no intrinsics), so the
// same code is AVX/FMA code with -mavx2 -mfma and SSE/NEON code without:
//   with AVX-512 (16 floats/vector): 6 x 32 tile, 12 of the 32 zmm registers;
//   with AVX    (8 floats/vector): 6 x 16 tile = 12 accumulators + 2 B vectors
//                                  + 1 broadcast = 15 of the 16 ymm registers;
//   without AVX (4 floats/vector): 6 x 8 tile, same register budget in xmm.
// Packed panels are zero-padded to full MR / NR, so the kernel never branches
// inside its k loop; partial tiles go through a small scratch tile on store.
//
// alpha is applied when a tile is stored; beta only on the first KC block (the
// later ones accumulate with beta = 1). When beta == 0, C is never read, so NaN
// in C is overwritten. K == 0 or alpha == 0 just scales C by beta.
//
// Threads: C is cut into contiguous row ranges (or column ranges, whichever
// dimension has more micro-tiles) through parallel_for, one range per thread;
// each range runs the loop nest above with its own thread-local packing
// buffers. Problems of at most kParallelGrain multiply-adds stay on the
// calling thread.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "gemm.h"
#include "parallel.h"

namespace demure {
DEMURE_ISA_BEGIN
namespace {

#if defined(__AVX512F__)
#define DEMURE_GEMM_VEC 16
#elif defined(__AVX__)
#define DEMURE_GEMM_VEC 8
#else
#define DEMURE_GEMM_VEC 4
#endif

constexpr int kVec = DEMURE_GEMM_VEC;  // floats per vector register
typedef float vfloat __attribute__((vector_size(DEMURE_GEMM_VEC * sizeof(float))));

constexpr int MR = 6;          // micro-tile rows
constexpr int NR = 2 * kVec;   // micro-tile columns (two vectors)
constexpr int KC = 256;        // depth of a packed block
constexpr int MC = 144;        // rows of a packed A block (multiple of MR)
constexpr int NC = 4096;       // columns of a packed B panel (multiple of NR)
// parallel_for grain in multiply-adds: a problem is split over threads only when
// it holds more than this (~1M MACs, ~25 us on one AVX2 core); waking the pool
// costs ~10 us, so smaller problems are faster on the calling thread alone.
constexpr int64_t kParallelGrain = int64_t{1} << 20;
constexpr std::size_t kAlign = 64;

static_assert(MC % MR == 0 && NC % NR == 0, "block sizes must be tile multiples");

inline vfloat load(const float* p) {
  vfloat v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, vfloat v) { std::memcpy(p, &v, sizeof v); }

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

// Splits `total` into equal-ish steps of at most `max_step`, each a multiple of
// `multiple` (so K = 300 runs as 2 x 152 rather than 256 + 44).
inline int balanced_step(int total, int max_step, int multiple) {
  int blocks = (total + max_step - 1) / max_step;
  return std::min(max_step, round_up((total + blocks - 1) / blocks, multiple));
}

// ---------------------------------------------------------------------------
// Thread-local packing buffers (grow only, 64-byte aligned).

class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { release(); }

  float* get(std::size_t floats) {
    if (floats > cap_) {
      release();
      cap_ = (floats + 1023) / 1024 * 1024;
      data_ = static_cast<float*>(::operator new(cap_ * sizeof(float), std::align_val_t(kAlign)));
    }
    return data_;
  }

 private:
  void release() {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t(kAlign));
    data_ = nullptr;
    cap_ = 0;
  }

  float* data_ = nullptr;
  std::size_t cap_ = 0;
};

struct Workspace {
  Buffer a, b;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// ---------------------------------------------------------------------------
// Packing. A strided matrix view: element (r, k) is at p[r * rs + k * cs].
// op(A) is viewed as M x K, op(B) as its transpose N x K, so both pack alike:
// R consecutive rows go into one micro-panel laid out k-major (dst[k*R + i]).

struct View {
  const float* p;
  std::ptrdiff_t rs, cs;
  const float* at(int r, int k) const { return p + r * rs + k * cs; }
};

// One micro-panel of `rows` (<= R) rows and kc columns, zero-padded to R rows.
template <int R>
void pack_panel(float* dst, const float* src, std::ptrdiff_t rs, std::ptrdiff_t cs, int rows,
                int kc) {
  if (rows == R && rs == 1) {  // the R values for one k are contiguous
    for (int k = 0; k < kc; ++k)
      for (int i = 0; i < R; ++i) dst[k * R + i] = src[k * cs + i];
    return;
  }
  if (rows < R) std::memset(dst, 0, sizeof(float) * R * kc);
  if (rs == 1) {
    for (int k = 0; k < kc; ++k)
      for (int i = 0; i < rows; ++i) dst[k * R + i] = src[k * cs + i];
  } else {  // each row is contiguous along k (or at least walked along k)
    for (int i = 0; i < rows; ++i) {
      const float* s = src + i * rs;
      for (int k = 0; k < kc; ++k) dst[k * R + i] = s[k * cs];
    }
  }
}

// Rows [r0, r0 + rows) x columns [k0, k0 + kc) of v, as ceil(rows / R) panels.
template <int R>
void pack_block(float* dst, const View& v, int r0, int rows, int k0, int kc) {
  for (int i = 0; i < rows; i += R) {
    pack_panel<R>(dst, v.at(r0 + i, k0), v.rs, v.cs, std::min(R, rows - i), kc);
    dst += R * kc;
  }
}

// ---------------------------------------------------------------------------
// Micro-kernel: C[mr x nr] = alpha * Ap[MR x kc] * Bp[kc x NR] + beta * C.

inline void store_row(float* c, vfloat r0, vfloat r1, float beta) {
  if (beta != 0.0f) {
    r0 += beta * load(c);
    r1 += beta * load(c + kVec);
  }
  store(c, r0);
  store(c + kVec, r1);
}

void store_edge(const vfloat (&acc)[MR][2], float alpha, float beta, float* c, std::ptrdiff_t ldc,
                int mr, int nr) {
  alignas(kAlign) float tile[MR][NR];
  for (int i = 0; i < MR; ++i) {
    store(&tile[i][0], acc[i][0]);
    store(&tile[i][kVec], acc[i][1]);
  }
  for (int i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    for (int j = 0; j < nr; ++j)
      ci[j] = beta == 0.0f ? alpha * tile[i][j] : alpha * tile[i][j] + beta * ci[j];
  }
}

void micro_kernel(int kc, const float* __restrict a, const float* __restrict b, float alpha,
                  float beta, float* c, std::ptrdiff_t ldc, int mr, int nr) {
  vfloat acc[MR][2] = {};
  for (int k = 0; k < kc; ++k) {
    const vfloat b0 = load(b), b1 = load(b + kVec);
    for (int i = 0; i < MR; ++i) {
      acc[i][0] += a[i] * b0;
      acc[i][1] += a[i] * b1;
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; ++i) store_row(c + i * ldc, alpha * acc[i][0], alpha * acc[i][1], beta);
  } else {
    store_edge(acc, alpha, beta, c, ldc, mr, nr);
  }
}

// All micro-tiles of one packed mc x kc A block times one kc x nc B panel.
void macro_kernel(int mc, int nc, int kc, const float* ap, const float* bp, float alpha,
                  float beta, float* c, std::ptrdiff_t ldc) {
  for (int j = 0; j < nc; j += NR) {
    for (int i = 0; i < mc; i += MR) {
      micro_kernel(kc, ap + i * kc, bp + j * kc, alpha, beta, c + i * ldc + j, ldc,
                   std::min(MR, mc - i), std::min(NR, nc - j));
    }
  }
}

// ---------------------------------------------------------------------------
// Driver.

struct Problem {
  View a;  // op(A), M x K
  View b;  // op(B) transposed, N x K
  int K;
  float alpha, beta;
  float* c;
  std::ptrdiff_t ldc;
};

// The blocked loop nest on rows [m0, m1) x columns [n0, n1) of C.
void gemm_range(const Problem& p, int m0, int m1, int n0, int n1) {
  Workspace& ws = workspace();
  const int kc_step = balanced_step(p.K, KC, 8);
  const int mc_step = balanced_step(m1 - m0, MC, MR);
  float* bp = ws.b.get(static_cast<std::size_t>(round_up(std::min(NC, n1 - n0), NR)) * kc_step);
  float* ap = ws.a.get(static_cast<std::size_t>(round_up(mc_step, MR)) * kc_step);

  for (int jc = n0; jc < n1; jc += NC) {
    const int nc = std::min(NC, n1 - jc);
    for (int pc = 0; pc < p.K; pc += kc_step) {
      const int kc = std::min(kc_step, p.K - pc);
      const float beta = pc == 0 ? p.beta : 1.0f;
      pack_block<NR>(bp, p.b, jc, nc, pc, kc);
      for (int ic = m0; ic < m1; ic += mc_step) {
        const int mc = std::min(mc_step, m1 - ic);
        pack_block<MR>(ap, p.a, ic, mc, pc, kc);
        macro_kernel(mc, nc, kc, ap, bp, p.alpha, beta, p.c + ic * p.ldc + jc, p.ldc);
      }
    }
  }
}

// C = beta * C (K == 0 or alpha == 0); beta == 0 overwrites, NaN included.
void scale_c(int M, int N, float beta, float* C, std::ptrdiff_t ldc) {
  if (beta == 1.0f) return;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / N);
  parallel_for(M, grain, [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* c = C + r * ldc;
      if (beta == 0.0f) {
        std::fill(c, c + N, 0.0f);
      } else {
        for (int j = 0; j < N; ++j) c[j] *= beta;
      }
    }
  });
}

// Dot product of two contiguous rows with 16 partial sums (so it vectorises
// without reassociation flags); the partial sums are added in a fixed order.
inline float dot_contiguous(const float* x, const float* y, int64_t n) {
  float acc[16] = {0};
  int64_t p = 0;
  for (; p + 16 <= n; p += 16)
    for (int l = 0; l < 16; ++l) acc[l] += x[p + l] * y[p + l];
  float s = 0.0f;
  for (int l = 0; l < 16; ++l) s += acc[l];
  for (; p < n; ++p) s += x[p] * y[p];
  return s;
}

inline float finish(float alpha, float s, float beta, float c) {
  return beta == 0.0f ? alpha * s : alpha * s + beta * c;
}

// Products with a dimension of 1 (outer product, matrix-vector; vector-matrix as its transpose):
// memory-bound, so packing into MR x NR panels (with N or M padded to a whole
// tile) only costs. Strides as in View: op(A)(i, p) = A[i*ar + p*ac], op(B)(p, j) = B[p*br + j*bc].
void thin_product(int M, int N, int K, float alpha, const float* A, std::ptrdiff_t ar,
                  std::ptrdiff_t ac, const float* B, std::ptrdiff_t br, std::ptrdiff_t bc, float beta,
                  float* C, std::ptrdiff_t ldc) {
  auto grain = [](int64_t per_unit) {
    return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, per_unit));
  };
  if (K == 1) {
    parallel_for(M, grain(N), [=](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const float a = A[i * ar];
        float* c = C + i * ldc;
        for (int64_t j = 0; j < N; ++j) c[j] = finish(alpha, a * B[j * bc], beta, c[j]);
      }
    });
  } else if (N == 1) {
    if (ac == 1 && br == 1) {
      parallel_for(M, grain(K), [=](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
          C[i * ldc] = finish(alpha, dot_contiguous(A + i * ar, B, K), beta, C[i * ldc]);
      });
    } else {
      // Row p of op(A)^T is contiguous over i (or strided): accumulate over p.
      parallel_for(M, grain(K), [=](int64_t i0, int64_t i1) {
        std::vector<float> s(static_cast<size_t>(i1 - i0), 0.0f);
        for (int64_t p = 0; p < K; ++p) {
          const float b = B[p * br];
          const float* a = A + p * ac;
          for (int64_t i = i0; i < i1; ++i) s[static_cast<size_t>(i - i0)] += a[i * ar] * b;
        }
        for (int64_t i = i0; i < i1; ++i)
          C[i * ldc] = finish(alpha, s[static_cast<size_t>(i - i0)], beta, C[i * ldc]);
      });
    }
  } else {
    // M == 1 is the same product transposed: C^T (N x 1) = op(B)^T op(A)^T.
    thin_product(N, 1, K, alpha, B, bc, br, A, ac, 1, beta, C, 1);
  }
}

}  // namespace

void sgemm_fallback(bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
                    int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  if (M == 1 || N == 1 || K == 1) {
    thin_product(M, N, K, alpha, A, transA ? 1 : static_cast<std::ptrdiff_t>(lda), transA ? lda : 1, B,
                 transB ? 1 : static_cast<std::ptrdiff_t>(ldb), transB ? ldb : 1, beta, C, ldc);
    return;
  }
  const Problem p{
      View{A, transA ? 1 : static_cast<std::ptrdiff_t>(lda), transA ? lda : 1},
      View{B, transB ? static_cast<std::ptrdiff_t>(ldb) : 1, transB ? 1 : ldb},
      K, alpha, beta, C, ldc};

  // Split C along the dimension with more micro-tiles; chunks are whole tiles.
  const int64_t tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
  const bool split_m = tiles_m >= tiles_n;
  const int64_t units = split_m ? tiles_m : tiles_n;
  const int64_t work_per_unit = int64_t{split_m ? MR : NR} * (split_m ? N : M) * K;
  const int64_t grain = std::max<int64_t>(1, (kParallelGrain + work_per_unit - 1) / work_per_unit);

  parallel_for(units, grain, [&p, split_m, M, N](int64_t u0, int64_t u1) {
    if (split_m) {
      gemm_range(p, static_cast<int>(u0 * MR), static_cast<int>(std::min<int64_t>(M, u1 * MR)), 0, N);
    } else {
      gemm_range(p, 0, M, static_cast<int>(u0 * NR), static_cast<int>(std::min<int64_t>(N, u1 * NR)));
    }
  });
}

DEMURE_ISA_END
}  // namespace demure
