// Instruction-set variants of the kernels. The kernel sources (gemm_fallback.cc,
// kernels_nn.cc, kernels_elementwise.cc, kernel_table.cc) are compiled once per
// variant, each time with its own target flags and with DEMURE_ISA naming the
// variant (isa_baseline, isa_avx2, isa_avx512). Everything they define, inline
// helpers included, then lives in the inline namespace demure::DEMURE_ISA, so
// no symbol of one variant can stand in for another's at link time (an AVX-512
// copy of an inline function chosen for the baseline code would crash older
// CPUs). dispatch.cc, compiled for the baseline, picks one variant at load.
// Files compiled without DEMURE_ISA (addon.cc, gemm.cc, dispatch.cc) are the
// front: they call the chosen variant through kernels() (dispatch.h).
#pragma once

#ifdef DEMURE_ISA
#define DEMURE_ISA_NS DEMURE_ISA
#define DEMURE_ISA_BEGIN inline namespace DEMURE_ISA {
#else
// The front sees the kernels' declarations only as signatures (for the
// table's types): calling one directly would not compile.
#define DEMURE_ISA_NS signatures
#define DEMURE_ISA_BEGIN namespace signatures {
#endif
#define DEMURE_ISA_END }
