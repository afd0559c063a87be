// Element-wise kernels, reductions and row gather/scatter, split across the
// thread pool when the work is large enough to pay for it.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "parallel.h"
#include "fastmath.h"

namespace demure {
DEMURE_ISA_BEGIN
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task below which we stay on one thread

// f(i) for i in [0, n) over the pool. The inner loop runs on a 32-bit counter
// from a local base: GCC vectorises that form, not a 64-bit one (measured 20x).
template <typename F>
void for_each(int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    int32_t len = static_cast<int32_t>(e - b);
    for (int32_t k = 0; k < len; ++k) f(b + k);
  });
}

}  // namespace

void unary_forward(int op, const float* x, float* y, int64_t n) {
  switch (op) {
    case kRelu: for_each(n, [&](int64_t i) { y[i] = x[i] > 0.f ? x[i] : 0.f; }); break;
    case kGelu: for_each(n, [&](int64_t i) { y[i] = fastmath::gelu(x[i]); }); break;
    case kTanh: for_each(n, [&](int64_t i) { y[i] = fastmath::tanh(x[i]); }); break;
    case kSigmoid: for_each(n, [&](int64_t i) { y[i] = fastmath::sigmoid(x[i]); }); break;
    case kExp: for_each(n, [&](int64_t i) { y[i] = fastmath::exp(x[i]); }); break;
    case kLog: for_each(n, [&](int64_t i) { y[i] = fastmath::log(x[i]); }); break;
    case kNeg: for_each(n, [&](int64_t i) { y[i] = -x[i]; }); break;
    case kSqrt: for_each(n, [&](int64_t i) { y[i] = std::sqrt(x[i]); }); break;
  }
}

namespace {
// dx = g(i) or dx += g(i): two loops, so neither carries a data-dependent
// select that would stop vectorisation.
template <typename G>
void put_all(float* dx, int64_t n, bool accumulate, G g) {
  if (accumulate) for_each(n, [&](int64_t i) { dx[i] += g(i); });
  else for_each(n, [&](int64_t i) { dx[i] = g(i); });
}
}  // namespace

void unary_backward(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    bool accumulate) {
  switch (op) {
    case kRelu: put_all(dx, n, accumulate, [&](int64_t i) { return x[i] > 0.f ? dy[i] : 0.f; }); break;
    case kGelu: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] * fastmath::gelu_grad(x[i]); }); break;
    case kTanh: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] * (1.f - y[i] * y[i]); }); break;
    case kSigmoid: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] * y[i] * (1.f - y[i]); }); break;
    case kExp: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] * y[i]; }); break;
    case kLog: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] / x[i]; }); break;
    case kNeg: put_all(dx, n, accumulate, [&](int64_t i) { return -dy[i]; }); break;
    case kSqrt: put_all(dx, n, accumulate, [&](int64_t i) { return dy[i] * 0.5f / y[i]; }); break;
  }
}

namespace {
template <typename Op>
void binary_apply(Op f, int mode, const float* a, const float* b, float* out, int64_t rows,
                  int64_t cols) {
  int64_t n = rows * cols;
  switch (mode) {
    case 0: for_each(n, [&](int64_t i) { out[i] = f(a[i], b[i]); }); break;
    case 1:
      parallel_for(rows, kGrain / (cols > 0 ? cols : 1) + 1, [&](int64_t rb, int64_t re) {
        for (int64_t r = rb; r < re; ++r)
          for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = f(a[r * cols + c], b[c]);
      });
      break;
    case 2:
      parallel_for(rows, kGrain / (cols > 0 ? cols : 1) + 1, [&](int64_t rb, int64_t re) {
        for (int64_t r = rb; r < re; ++r)
          for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = f(a[r * cols + c], b[r]);
      });
      break;
    case 3: {
      float s = b[0];
      for_each(n, [&](int64_t i) { out[i] = f(a[i], s); });
      break;
    }
  }
}
}  // namespace

void binary_forward(int op, int mode, const float* a, const float* b, float* out, int64_t rows,
                    int64_t cols) {
  switch (op) {
    case kAdd: binary_apply([](float p, float q) { return p + q; }, mode, a, b, out, rows, cols); break;
    case kSub: binary_apply([](float p, float q) { return p - q; }, mode, a, b, out, rows, cols); break;
    case kMul: binary_apply([](float p, float q) { return p * q; }, mode, a, b, out, rows, cols); break;
    case kDiv: binary_apply([](float p, float q) { return p / q; }, mode, a, b, out, rows, cols); break;
  }
}

void fill_rows(const float* row, float* out, int64_t rows, int64_t cols) {
  parallel_for(rows, kGrain / (cols > 0 ? cols : 1) + 1, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) std::copy(row, row + cols, out + r * cols);
  });
}

void axpy(float alpha, const float* x, float* y, int64_t n) {
  for_each(n, [&](int64_t i) { y[i] += alpha * x[i]; });
}

void copy_rows(const float* x, int64_t x_stride, float* y, int64_t y_stride, int64_t rows, int64_t cols,
               bool accumulate) {
  // A copy is memory-bound: waking a second thread pays only for large blocks.
  constexpr int64_t kCopyGrain = kGrain * 8;
  parallel_for(rows, kCopyGrain / (cols > 0 ? cols : 1) + 1, [&](int64_t rb, int64_t re) {
    int32_t len = static_cast<int32_t>(cols);
    for (int64_t r = rb; r < re; ++r) {
      const float* xr = x + r * x_stride;
      float* yr = y + r * y_stride;
      if (accumulate) {
        for (int32_t c = 0; c < len; ++c) yr[c] += xr[c];
      } else {
        std::copy(xr, xr + cols, yr);
      }
    }
  });
}

void scale(float alpha, const float* x, float* y, int64_t n) {
  for_each(n, [&](int64_t i) { y[i] = alpha * x[i]; });
}

void mul_accumulate(const float* a, const float* b, float* y, int64_t n) {
  for_each(n, [&](int64_t i) { y[i] += a[i] * b[i]; });
}

double sum_squares(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

// From this many elements, sum_rows splits its rows over threads (partial sums).
constexpr int64_t kSumRowsThreaded = int64_t{1} << 15;

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols, bool accumulate) {
  // Per-task column sums over a block of rows (a vectorisable row-major pass),
  // then added up in task order, so the result does not depend on timing.
  int64_t tasks = rows * cols < kSumRowsThreaded ? 1 : std::min<int64_t>(num_threads(), 8);
  std::vector<float> partial(static_cast<size_t>(tasks * cols), 0.f);
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* acc = partial.data() + t * cols;
      for (int64_t r = rows * t / tasks; r < rows * (t + 1) / tasks; ++r) {
        const float* row = x + r * cols;
        for (int64_t c = 0; c < cols; ++c) acc[c] += row[c];
      }
    }
  });
  for (int64_t c = 0; c < cols; ++c) {
    float s = 0.f;
    for (int64_t t = 0; t < tasks; ++t) s += partial[static_cast<size_t>(t * cols + c)];
    out[c] = accumulate ? out[c] + s : s;
  }
}

void sum_middle(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, bool accumulate) {
  // Blocks large enough for sum_rows to thread go through it one by one; the
  // rest are spread over the pool a block each, summed the way sum_rows sums
  // one block on one task, so either way the floats are sum_rows'.
  if (n * inner >= kSumRowsThreaded) {
    for (int64_t o = 0; o < outer; ++o) sum_rows(x + o * n * inner, out + o * inner, n, inner, accumulate);
    return;
  }
  parallel_for(outer, kGrain / (n * inner > 0 ? n * inner : 1) + 1, [&](int64_t ob, int64_t oe) {
    std::vector<float> s(static_cast<size_t>(inner));
    for (int64_t o = ob; o < oe; ++o) {
      std::fill(s.begin(), s.end(), 0.f);
      for (int64_t j = 0; j < n; ++j) {
        const float* row = x + (o * n + j) * inner;
        for (int64_t c = 0; c < inner; ++c) s[static_cast<size_t>(c)] += row[c];
      }
      float* acc = out + o * inner;
      for (int64_t c = 0; c < inner; ++c) {
        const float v = s[static_cast<size_t>(c)];
        acc[c] = accumulate ? acc[c] + v : v;
      }
    }
  });
}

void spread_middle(const float* g, float* y, int64_t outer, int64_t n, int64_t inner, bool accumulate) {
  parallel_for(outer, kGrain / (n * inner > 0 ? n * inner : 1) + 1, [&](int64_t ob, int64_t oe) {
    for (int64_t o = ob; o < oe; ++o) {
      const float* go = g + o * inner;
      for (int64_t j = 0; j < n; ++j) {
        float* row = y + (o * n + j) * inner;
        if (accumulate) {
          for (int64_t c = 0; c < inner; ++c) row[c] += go[c];
        } else {
          std::copy(go, go + inner, row);
        }
      }
    }
  });
}

void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, bool accumulate) {
  parallel_for(rows, kGrain / (cols > 0 ? cols : 1) + 1, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      double s = 0;
      const float* row = x + r * cols;
      for (int64_t c = 0; c < cols; ++c) s += row[c];
      out[r] = accumulate ? out[r] + static_cast<float>(s) : static_cast<float>(s);
    }
  });
}

void gather_rows(const float* table, const int32_t* idx, float* out, int64_t n, int64_t dim) {
  parallel_for(n, kGrain / (dim > 0 ? dim : 1) + 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* src = table + static_cast<int64_t>(idx[i]) * dim;
      float* dst = out + i * dim;
      for (int64_t d = 0; d < dim; ++d) dst[d] = src[d];
    }
  });
}

void scatter_add_rows(const float* dout, const int32_t* idx, float* dtable, int64_t n, int64_t dim,
                      int64_t vocab) {
  // Each task owns a band of table rows and scans all indices, so duplicate
  // indices are summed without atomics and the result does not depend on timing.
  int64_t work = n * dim;
  int64_t tasks = work < (1 << 16) ? 1 : num_threads();
  parallel_for(tasks, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      int64_t lo = vocab * t / tasks, hi = vocab * (t + 1) / tasks;
      for (int64_t i = 0; i < n; ++i) {
        int64_t row = idx[i];
        if (row < lo || row >= hi) continue;
        const float* src = dout + i * dim;
        float* dst = dtable + row * dim;
        for (int64_t d = 0; d < dim; ++d) dst[d] += src[d];
      }
    }
  });
}

DEMURE_ISA_END
}  // namespace demure
