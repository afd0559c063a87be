// Which instruction-set variant of the kernels runs (see isa.h): chosen once
// at load from what the CPU supports, the best first (AVX-512, AVX2 + FMA,
// baseline), unless DEMURE_SIMD names another one the CPU supports, or
// DEMURE_NO_AVX512=1 rules AVX-512 out.
#pragma once

#include <vector>

#include "kernel_table.h"

namespace demure {

// The chosen variant's kernels: kernels().softmax_rows(...).
const KernelTable& kernels();

// Its name: "baseline", "avx2" or "avx512".
const char* simd_name();

// The variants built into this addon that this CPU can run, best first.
std::vector<const char*> simd_supported();

// DEMURE_SIMD when it names a variant this addon or CPU lacks (it was then
// ignored), else nullptr.
const char* simd_refused();

// Switch to a supported variant by name; false (and no change) otherwise.
// Only between kernel calls: nothing may be running.
bool set_simd(const char* name);

}  // namespace demure
