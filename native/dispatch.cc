// Runtime choice of the kernels' instruction-set variant. Compiled for the
// baseline of the architecture, like everything outside the variant files, so
// the addon loads on any CPU of it and only the chosen variant's code runs.
#include "dispatch.h"

#include <cstdlib>
#include <cstring>

namespace demure {
namespace {

[[maybe_unused]] bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the AVX registers.
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

[[maybe_unused]] bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  // The AVX-512 variant is compiled with AVX2 and FMA too.
  return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

bool cpu_has_baseline() { return true; }

struct Variant {
  const char* name;
  const KernelTable* (*table)();
  bool (*supported)();
};

// Best first.
const Variant kVariants[] = {
#ifdef DEMURE_HAVE_AVX512
    {"avx512", demure_kernels_isa_avx512, cpu_has_avx512},
#endif
#ifdef DEMURE_HAVE_AVX2
    {"avx2", demure_kernels_isa_avx2, cpu_has_avx2},
#endif
    {"baseline", demure_kernels_isa_baseline, cpu_has_baseline},
};

const Variant* find(const char* name) {
  for (const Variant& v : kVariants)
    if (std::strcmp(v.name, name) == 0 && v.supported()) return &v;
  return nullptr;
}

struct Choice {
  const KernelTable* table = nullptr;
  const char* refused = nullptr;
};

Choice initial_choice() {
  Choice c;
  if (const char* want = std::getenv("DEMURE_SIMD"); want != nullptr && *want != '\0') {
    if (const Variant* v = find(want)) {
      c.table = v->table();
      return c;
    }
    c.refused = want;
  }
  const char* no512 = std::getenv("DEMURE_NO_AVX512");
  const bool skip512 = no512 != nullptr && std::strcmp(no512, "1") == 0;
  for (const Variant& v : kVariants) {
    if (skip512 && std::strcmp(v.name, "avx512") == 0) continue;
    if (v.supported()) {
      c.table = v.table();
      break;
    }
  }
  return c;
}

// A function-local static: other files' static initialisers (gemm.cc's BLAS
// choice) may ask before this file's globals would have been set.
Choice& choice() {
  static Choice c = initial_choice();
  return c;
}

}  // namespace

const KernelTable& kernels() { return *choice().table; }

const char* simd_name() { return choice().table->name; }

const char* simd_refused() { return choice().refused; }

std::vector<const char*> simd_supported() {
  std::vector<const char*> names;
  for (const Variant& v : kVariants)
    if (v.supported()) names.push_back(v.name);
  return names;
}

bool set_simd(const char* name) {
  const Variant* v = find(name);
  if (v == nullptr) return false;
  choice().table = v->table();
  return true;
}

}  // namespace demure
