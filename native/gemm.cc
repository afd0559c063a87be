// sgemm dispatch: OpenBLAS when it was loaded and is chosen, else the portable
// kernel of the chosen instruction set (dispatch.h).
#include "gemm.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "blas.h"
#include "dispatch.h"
#include "parallel.h"

namespace demure {
namespace {

// Which kernel runs matrix products, fixed at load time so a run is
// reproducible: DEMURE_GEMM=blas|portable chooses; DEMURE_NO_BLAS=1 means
// portable. By default the portable kernel is used when its AVX-512 variant
// runs (it then outruns OpenBLAS's AVX2 kernels, see docs/adr/0001-engine.md),
// and OpenBLAS otherwise, when the system has it. A request for BLAS that
// cannot be met leaves the portable kernel on; the TypeScript side reports it.
bool initial_use_blas() {
  const char* no_blas = std::getenv("DEMURE_NO_BLAS");
  if (no_blas != nullptr && std::strcmp(no_blas, "1") == 0) return false;
  const char* choice = std::getenv("DEMURE_GEMM");
  if (choice != nullptr && std::strcmp(choice, "portable") == 0) return false;
  if (choice != nullptr && std::strcmp(choice, "blas") == 0) return blas_loaded();
  if (std::strcmp(simd_name(), "avx512") == 0) return false;
  return blas_loaded();
}

bool& use_blas() {
  static bool on = initial_use_blas();
  return on;
}

}  // namespace

bool using_blas() { return use_blas(); }

bool set_use_blas(bool on) {
  use_blas() = on && blas_loaded();
  return use_blas();
}

void sgemm_serial(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (use_blas() && K > 0) {
    blas_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  kernels().sgemm_fallback(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Split one product over the pool: C by blocks of rows (or of columns when C
// is wide and short), or, when C is small and K long (weight gradients), K in
// halves added together at the end. Each thread runs the serial kernel.
void split_parallel(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                   const float* B, int ldb, float beta, float* C, int ldc) {
  double flops = 2.0 * M * N * K;
  if (flops < 4e6 || num_threads() == 1) {
    sgemm_serial(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (static_cast<int64_t>(M) * N <= 16384 && K >= 4 * (M > N ? M : N)) {
    // Small C, long inner dimension (weight gradients): split K, then add the halves.
    int64_t half = K / 2;
    std::vector<float> part(static_cast<size_t>(M) * N);
    parallel_for(2, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        int64_t k0 = t == 0 ? 0 : half, k1 = t == 0 ? half : K;
        const float* a = transA ? A + k0 * lda : A + k0;
        const float* b = transB ? B + k0 : B + k0 * ldb;
        if (t == 0) sgemm_serial(transA, transB, M, N, static_cast<int>(k1 - k0), alpha, a, lda, b, ldb, beta, C, ldc);
        else sgemm_serial(transA, transB, M, N, static_cast<int>(k1 - k0), alpha, a, lda, b, ldb, 0.f, part.data(), N);
      }
    });
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) C[static_cast<int64_t>(i) * ldc + j] += part[static_cast<size_t>(i) * N + j];
    return;
  }
  if (M >= N) {
    parallel_for(M, 16, [&](int64_t i0, int64_t i1) {
      const float* a = transA ? A + i0 : A + i0 * lda;
      sgemm_serial(transA, transB, static_cast<int>(i1 - i0), N, K, alpha, a, lda, B, ldb, beta, C + i0 * ldc, ldc);
    });
  } else {
    parallel_for(N, 16, [&](int64_t j0, int64_t j1) {
      const float* b = transB ? B + j0 * ldb : B + j0;
      sgemm_serial(transA, transB, M, static_cast<int>(j1 - j0), K, alpha, A, lda, b, ldb, beta, C + j0, ldc);
    });
  }
}

void sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  split_parallel(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace demure
