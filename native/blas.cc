#include "blas.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

// glibc 2.34 moved dlopen and friends into libc under a new symbol version;
// binding the old one keeps a prebuilt addon loadable on older systems (the
// old version is still there on new ones).
#if defined(__GLIBC__) && defined(__x86_64__)
#define DEMURE_DL_VERSION "GLIBC_2.2.5"
#elif defined(__GLIBC__) && defined(__aarch64__)
#define DEMURE_DL_VERSION "GLIBC_2.17"
#endif
#ifdef DEMURE_DL_VERSION
__asm__(".symver dlopen,dlopen@" DEMURE_DL_VERSION);
__asm__(".symver dlsym,dlsym@" DEMURE_DL_VERSION);
__asm__(".symver dlerror,dlerror@" DEMURE_DL_VERSION);
__asm__(".symver dlclose,dlclose@" DEMURE_DL_VERSION);
#endif

namespace demure {
namespace {

// The CBLAS enumerators' values are fixed by the CBLAS standard (cblas.h).
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

using SgemmFn = void (*)(int order, int transA, int transB, int M, int N, int K, float alpha,
                         const float* A, int lda, const float* B, int ldb, float beta, float* C,
                         int ldc);
using SetThreadsFn = void (*)(int);

struct Blas {
  SgemmFn sgemm = nullptr;
  std::string error;
};

Blas load() {
  Blas b;
  const char* env = std::getenv("DEMURE_OPENBLAS");
  const char* candidates[] = {env, "libopenblas.so.0", "libopenblas.so"};
  for (const char* name : candidates) {
    if (name == nullptr || *name == '\0') continue;
    void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      if (!b.error.empty()) b.error += "; ";
      const char* why = dlerror();
      b.error += why != nullptr ? why : name;
      if (name == env) break;  // an explicit choice is not replaced by a guess
      continue;
    }
    auto sgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "cblas_sgemm"));
    if (sgemm == nullptr) {
      b.error += std::string(b.error.empty() ? "" : "; ") + name + " has no cblas_sgemm";
      dlclose(lib);
      continue;
    }
    // OpenBLAS runs single-threaded inside our own thread pool: its worker
    // threads spin after each call and would steal the cores our element-wise
    // kernels need.
    if (auto set = reinterpret_cast<SetThreadsFn>(dlsym(lib, "openblas_set_num_threads"))) set(1);
    b.sgemm = sgemm;
    b.error.clear();
    return b;
  }
  return b;
}

Blas& blas() {
  static Blas b = load();
  return b;
}

}  // namespace

bool blas_loaded() { return blas().sgemm != nullptr; }

const char* blas_error() { return blas().error.c_str(); }

void blas_sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
  blas().sgemm(kRowMajor, transA ? kTrans : kNoTrans, transB ? kTrans : kNoTrans, M, N, K, alpha, A,
               lda, B, ldb, beta, C, ldc);
}

}  // namespace demure
