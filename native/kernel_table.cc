// The kernel table of the variant this file is compiled for (DEMURE_ISA, with
// that variant's target flags; see isa.h and binding.gyp).
#include "kernel_table.h"

#ifndef DEMURE_ISA
#error "kernel_table.cc is compiled once per instruction set, with DEMURE_ISA set"
#endif
#ifndef DEMURE_ISA_NAME
#error "DEMURE_ISA_NAME (the variant's name in engineInfo().simd) must be set"
#endif

#define DEMURE_CONCAT2(a, b) a##b
#define DEMURE_CONCAT(a, b) DEMURE_CONCAT2(a, b)

namespace {

const demure::KernelTable kTable = {
    DEMURE_ISA_NAME,
#define DEMURE_TABLE_ENTRY(f) &::demure::DEMURE_ISA::f,
    DEMURE_KERNELS(DEMURE_TABLE_ENTRY)
#undef DEMURE_TABLE_ENTRY
};

}  // namespace

extern "C" const demure::KernelTable* DEMURE_CONCAT(demure_kernels_, DEMURE_ISA)() { return &kTable; }
