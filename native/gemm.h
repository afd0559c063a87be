// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C,
// op(A) is M x K, op(B) is K x N, C is M x N, with leading dimensions
// lda/ldb/ldc in elements (row strides of the stored, untransposed matrices).
#pragma once

#include "isa.h"

namespace demure {

DEMURE_ISA_BEGIN
// Portable cache-blocked kernel, multi-threaded through parallel_for; one
// copy per instruction set (isa.h), reached through kernels().sgemm_fallback.
void sgemm_fallback(bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
                    int lda, const float* B, int ldb, float beta, float* C, int ldc);
DEMURE_ISA_END

// Dispatches to OpenBLAS's cblas_sgemm when it was loaded (blas.h) and is
// chosen, otherwise to the portable kernel of the chosen instruction set.
void sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc);

// The same product on the calling thread only (for many small products that
// the caller already spreads over the pool).
void sgemm_serial(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc);

// True when sgemm goes to BLAS.
bool using_blas();
// Returns whether BLAS is now used (false when OpenBLAS could not be loaded).
bool set_use_blas(bool on);

}  // namespace demure
