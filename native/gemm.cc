// sgemm dispatch: OpenBLAS when the addon was built with it (and the user did
// not ask for the portable kernel with DEMURE_NO_BLAS=1), else the fallback.
#include "gemm.h"

#include <cstdlib>
#include <cstring>

#ifdef DEMURE_HAVE_BLAS
#include <cblas.h>
#endif

namespace demure {
namespace {

bool initial_use_blas() {
#ifdef DEMURE_HAVE_BLAS
  const char* env = std::getenv("DEMURE_NO_BLAS");
  return !(env != nullptr && std::strcmp(env, "1") == 0);
#else
  return false;
#endif
}

bool g_use_blas = initial_use_blas();

}  // namespace

bool using_blas() { return g_use_blas; }

void set_use_blas(bool on) {
#ifdef DEMURE_HAVE_BLAS
  g_use_blas = on;
#else
  (void)on;
  g_use_blas = false;
#endif
}

void sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
#ifdef DEMURE_HAVE_BLAS
  if (g_use_blas && K > 0) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  sgemm_fallback(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace demure
