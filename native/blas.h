// OpenBLAS, loaded at run time with dlopen when the system has it (Debian:
// libopenblas0), so the addon itself depends on no BLAS library and one
// prebuilt binary serves machines with and without it. DEMURE_OPENBLAS may
// name the library file to load instead of libopenblas.so.0.
#pragma once

namespace demure {

// True when cblas_sgemm was found (the first call tries to load it).
bool blas_loaded();

// Why it was not, for messages ("" when it was).
const char* blas_error();

// cblas_sgemm, row-major; only after blas_loaded() returned true.
void blas_sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace demure
