// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C,
// op(A) is M x K, op(B) is K x N, C is M x N, with leading dimensions
// lda/ldb/ldc in elements (row strides of the stored, untransposed matrices).
#pragma once

namespace demure {

// Portable cache-blocked kernel, multi-threaded through parallel_for.
void sgemm_fallback(bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
                    int lda, const float* B, int ldb, float beta, float* C, int ldc);

// Dispatches to OpenBLAS's cblas_sgemm when the addon was built with it and
// DEMURE_NO_BLAS is not set at load time; otherwise to sgemm_fallback.
void sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc);

// The same product on the calling thread only (for many small products that
// the caller already spreads over the pool).
void sgemm_serial(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc);

// True when sgemm goes to BLAS.
bool using_blas();
void set_use_blas(bool on);

}  // namespace demure
