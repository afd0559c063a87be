// Kernels that read table rows through an index instead of a gathered copy:
// a modality view's rows are read in place (the view is small and stays in
// cache) where gathering them first would stream a [rows, dim] copy through
// memory once forward and once more for its gradient.
#include "kernels.h"
#include "parallel.h"

namespace demure {
DEMURE_ISA_BEGIN
namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per task

int64_t grain(int64_t dim) { return kGrain / (dim > 0 ? dim : 1) + 1; }

// Tasks for a scatter into a table: each owns a band of table rows and scans
// every index, so duplicate indices add up in index order without atomics.
int64_t scatter_tasks(int64_t work) { return work < (1 << 16) ? 1 : num_threads(); }

}  // namespace

void gathered_term_forward(const float* table, const int32_t* idx, const float* w, float* out,
                           int64_t rows, int64_t per, int64_t dim, int64_t M, int64_t m,
                           bool accumulate) {
  parallel_for(rows, grain(dim), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* xr = table + static_cast<int64_t>(idx[r]) * dim;
      float* yr = out + r * dim;
      const float k = w[(r / per) * M + m];
      if (accumulate)
        for (int64_t c = 0; c < dim; ++c) yr[c] += k * xr[c];
      else
        for (int64_t c = 0; c < dim; ++c) yr[c] = k * xr[c];
    }
  });
}

void gathered_term_backward(const float* g, const float* table, const int32_t* idx, const float* w,
                            float* dtable, float* dw, int64_t rows, int64_t per, int64_t dim,
                            int64_t M, int64_t m, int64_t vocab) {
  if (dw != nullptr) {
    // One accumulator per weight, over its `per` rows in order (as a dot of
    // the whole [per * dim] block would run).
    int64_t groups = rows / per;
    parallel_for(groups, grain(per * dim), [&](int64_t gb, int64_t ge) {
      for (int64_t u = gb; u < ge; ++u) {
        float dot = 0.f;
        for (int64_t r = u * per; r < (u + 1) * per; ++r) {
          const float* xr = table + static_cast<int64_t>(idx[r]) * dim;
          const float* gr = g + r * dim;
          for (int64_t c = 0; c < dim; ++c) dot += xr[c] * gr[c];
        }
        dw[u * M + m] += dot;
      }
    });
  }
  if (dtable == nullptr) return;
  int64_t tasks = scatter_tasks(rows * dim);
  parallel_for(tasks, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      int64_t lo = vocab * t / tasks, hi = vocab * (t + 1) / tasks;
      for (int64_t r = 0; r < rows; ++r) {
        int64_t row = idx[r];
        if (row < lo || row >= hi) continue;
        const float k = w[(r / per) * M + m];
        const float* gr = g + r * dim;
        float* dst = dtable + row * dim;
        for (int64_t c = 0; c < dim; ++c) dst[c] += k * gr[c];
      }
    }
  });
}

void bag_forward(const float* table, const int32_t* idx, const float* a, float* out, int64_t bags,
                 int64_t per, int64_t dim) {
  parallel_for(bags, grain(per * dim), [&](int64_t bb, int64_t be) {
    for (int64_t b = bb; b < be; ++b) {
      float* yr = out + b * dim;
      for (int64_t c = 0; c < dim; ++c) yr[c] = 0.f;
      for (int64_t r = b * per; r < (b + 1) * per; ++r) {
        const float* xr = table + static_cast<int64_t>(idx[r]) * dim;
        const float k = a[r];
        for (int64_t c = 0; c < dim; ++c) yr[c] += k * xr[c];
      }
    }
  });
}

void bag_backward(const float* g, const float* table, const int32_t* idx, const float* a,
                  float* dtable, float* da, int64_t bags, int64_t per, int64_t dim, int64_t vocab,
                  bool accumulate_da) {
  int64_t rows = bags * per;
  if (da != nullptr) {
    parallel_for(rows, grain(dim), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const float* xr = table + static_cast<int64_t>(idx[r]) * dim;
        const float* gr = g + (r / per) * dim;
        float dot = 0.f;
        for (int64_t c = 0; c < dim; ++c) dot += xr[c] * gr[c];
        da[r] = accumulate_da ? da[r] + dot : dot;
      }
    });
  }
  if (dtable == nullptr) return;
  int64_t tasks = scatter_tasks(rows * dim);
  parallel_for(tasks, 1, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      int64_t lo = vocab * t / tasks, hi = vocab * (t + 1) / tasks;
      for (int64_t r = 0; r < rows; ++r) {
        int64_t row = idx[r];
        if (row < lo || row >= hi) continue;
        const float k = a[r];
        const float* gr = g + (r / per) * dim;
        float* dst = dtable + row * dim;
        for (int64_t c = 0; c < dim; ++c) dst[c] += k * gr[c];
      }
    }
  });
}

DEMURE_ISA_END
}  // namespace demure
