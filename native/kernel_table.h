// One instruction-set variant of the kernels as a table of function pointers
// (see isa.h). kernel_table.cc fills it once per variant; dispatch.cc picks one.
#pragma once

#include "gemm.h"
#include "isa.h"
#include "kernels.h"

// Every kernel with a copy per instruction set.
#define DEMURE_KERNELS(X)                                                                          \
  X(sgemm_fallback)                                                                                \
  X(unary_forward) X(unary_backward) X(binary_forward) X(fill_rows) X(axpy) X(copy_rows) X(scale) \
  X(mul_accumulate) X(sum_squares) X(sum_rows) X(sum_cols) X(sum_middle) X(spread_middle)            \
  X(gather_rows) X(scatter_add_rows)                                                               \
  X(softmax_rows) X(softmax_rows_backward) X(softmax_masked) X(cross_entropy_rows)                \
  X(layer_norm_forward) X(layer_norm_backward) X(l2_normalize_forward) X(l2_normalize_backward)   \
  X(unit_sum_forward) X(unit_sum_backward)                                                         \
  X(weighted_term_forward) X(weighted_term_backward) X(dropout_forward) X(adam_step)               \
  X(gathered_term_forward) X(gathered_term_backward) X(bag_forward) X(bag_backward)                \
  X(gru_gates_forward)

namespace demure {

struct KernelTable {
  const char* name;  // "baseline", "avx2", "avx512"
#define DEMURE_TABLE_MEMBER(f) decltype(&::demure::DEMURE_ISA_NS::f) f;
  DEMURE_KERNELS(DEMURE_TABLE_MEMBER)
#undef DEMURE_TABLE_MEMBER
};

}  // namespace demure

// The table of each variant built into the addon (defined in kernel_table.cc).
extern "C" const demure::KernelTable* demure_kernels_isa_baseline();
extern "C" const demure::KernelTable* demure_kernels_isa_avx2();
extern "C" const demure::KernelTable* demure_kernels_isa_avx512();
