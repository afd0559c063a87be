// Row-wise softmax, fused cross-entropy, layer norm, dropout masks and the
// Adam update: the neural-network kernels whose cost grows with batch x width.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "parallel.h"
#include "fastmath.h"

namespace demure {
DEMURE_ISA_BEGIN
namespace {

constexpr int64_t kRowGrain = 1 << 14;  // elements per task

int64_t row_grain(int64_t cols) { return kRowGrain / (cols > 0 ? cols : 1) + 1; }

// Sum and max of a row with 8 independent accumulators: without -ffast-math
// the compiler may not reorder a float reduction, but it can run 8 lanes.
inline float row_sum(const float* x, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
  float s = 0.f;
  for (; i < n; ++i) s += x[i];
  return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

inline float row_max(const float* x, int64_t n) {
  float acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] = x[i + k] > acc[k] ? x[i + k] : acc[k];
  float m = -std::numeric_limits<float>::infinity();
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int k = 0; k < 8; ++k) m = acc[k] > m ? acc[k] : m;
  return m;
}

// Stable softmax of one row; returns log(sum(exp(x - max))) + max (the log-partition).
inline float softmax_row(const float* x, float* y, int64_t cols, bool log) {
  float mx = row_max(x, cols);
  int32_t n = static_cast<int32_t>(cols);
  for (int32_t c = 0; c < n; ++c) y[c] = fastmath::exp(x[c] - mx);
  float sum = row_sum(y, cols);
  float lse = std::log(sum) + mx;
  if (log) {
    for (int32_t c = 0; c < n; ++c) y[c] = x[c] - lse;
  } else {
    float inv = 1.f / sum;
    for (int32_t c = 0; c < n; ++c) y[c] *= inv;
  }
  return lse;
}

// One row's 1 / max(|x|, eps), and the gradient of x·k through it given the
// unit row y and the upstream g (dx accumulates): shared by l2_normalize and
// unit_sum so the two give the same floats by construction.
float inverse_norm(const float* x, int64_t cols, float eps) {
  float s = 0.f;
  for (int64_t c = 0; c < cols; ++c) s += x[c] * x[c];
  const float n = std::sqrt(s);
  return 1.f / (n > eps ? n : eps);
}

void unit_row_backward(const float* g, const float* y, float k, float* dx, int64_t cols, float eps) {
  float dot = 0.f;
  if (k < 1.f / eps)
    for (int64_t c = 0; c < cols; ++c) dot += g[c] * y[c];
  for (int64_t c = 0; c < cols; ++c) dx[c] += (g[c] - y[c] * dot) * k;
}

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols, bool log) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) softmax_row(x + r * cols, y + r * cols, cols, log);
  });
}

void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols,
                           bool log, bool accumulate) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* yr = y + r * cols;
      const float* gr = dy + r * cols;
      float* out = dx + r * cols;
      if (log) {
        // y = log p: dx = dy - p * sum(dy)
        double s = 0;
        for (int64_t c = 0; c < cols; ++c) s += gr[c];
        float fs = static_cast<float>(s);
        for (int64_t c = 0; c < cols; ++c) {
          float g = gr[c] - std::exp(yr[c]) * fs;
          out[c] = accumulate ? out[c] + g : g;
        }
      } else {
        // y = p: dx = p * (dy - sum(dy * p))
        double s = 0;
        for (int64_t c = 0; c < cols; ++c) s += gr[c] * yr[c];
        float fs = static_cast<float>(s);
        for (int64_t c = 0; c < cols; ++c) {
          float g = yr[c] * (gr[c] - fs);
          out[c] = accumulate ? out[c] + g : g;
        }
      }
    }
  });
}

void softmax_masked(const float* x, float* y, int64_t batch, int64_t heads, int64_t lq, int64_t lk,
                    bool causal, const uint8_t* key_mask) {
  int64_t rows = batch * heads * lq;
  parallel_for(rows, row_grain(lk), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      int64_t i = r % lq;
      int64_t b = r / (lq * heads);
      const float* xr = x + r * lk;
      float* yr = y + r * lk;
      const uint8_t* km = key_mask ? key_mask + b * lk : nullptr;
      int64_t limit = causal ? i + (lk - lq) + 1 : lk;
      if (limit > lk) limit = lk;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < limit; ++j)
        if (!km || km[j]) mx = xr[j] > mx ? xr[j] : mx;
      if (mx == -std::numeric_limits<float>::infinity()) {
        for (int64_t j = 0; j < lk; ++j) yr[j] = 0.f;
        continue;
      }
      double sum = 0;
      for (int64_t j = 0; j < lk; ++j) {
        float e = (j < limit && (!km || km[j])) ? std::exp(xr[j] - mx) : 0.f;
        yr[j] = e;
        sum += e;
      }
      float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < lk; ++j) yr[j] *= inv;
    }
  });
}

double cross_entropy_rows(const float* logits, const int32_t* targets, float* dlogits, int64_t rows,
                          int64_t cols, float grad_scale, float* row_loss) {
  double total = 0;
  // Rows are independent; each task sums its own loss, combined in task order.
  int64_t tasks = num_threads();
  double partial[64] = {0};
  if (tasks > 64) tasks = 64;
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    int64_t slot = rb * tasks / (rows > 0 ? rows : 1);
    double loss = 0;
    for (int64_t r = rb; r < re; ++r) {
      float* g = dlogits + r * cols;
      int32_t t = targets[r];
      if (t < 0) {
        for (int64_t c = 0; c < cols; ++c) g[c] = 0.f;
        if (row_loss != nullptr) row_loss[r] = 0.f;
        continue;
      }
      float lse = softmax_row(logits + r * cols, g, cols, false);
      loss += lse - logits[r * cols + t];
      if (row_loss != nullptr) row_loss[r] = lse - logits[r * cols + t];
      int32_t n = static_cast<int32_t>(cols);
      for (int32_t c = 0; c < n; ++c) g[c] *= grad_scale;
      g[t] -= grad_scale;
    }
    partial[slot] += loss;
  });
  for (int64_t t = 0; t < tasks; ++t) total += partial[t];
  return total;
}

void l2_normalize_forward(const float* x, float* y, float* inv, int64_t rows, int64_t cols,
                          float eps) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      const float k = inverse_norm(xr, cols, eps);
      inv[r] = k;
      for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] * k;
    }
  });
}

void l2_normalize_backward(const float* g, const float* y, const float* inv, float* dx, int64_t rows,
                           int64_t cols, float eps) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* gr = g + r * cols;
      const float* yr = y + r * cols;
      float* out = dx + r * cols;
      unit_row_backward(gr, yr, inv[r], out, cols, eps);
    }
  });
}

void unit_sum_forward(const float* x, const uint8_t* mask, float* out, float* inv, int64_t outer,
                      int64_t n, int64_t inner, float eps) {
  // Each row normalised as l2_normalize_forward does, then summed into its
  // block in row order as sum_middle does: the floats of that chain with a 0/1
  // mask, in one read of x instead of four passes over [outer, n, inner].
  // The unit row is rounded into y before it is added (two loops, not
  // s += x·k, which an FMA build would contract into one rounding).
  parallel_for(outer, row_grain(n * inner), [&](int64_t ob, int64_t oe) {
    std::vector<float> s(static_cast<size_t>(inner));
    std::vector<float> y(static_cast<size_t>(inner));
    for (int64_t o = ob; o < oe; ++o) {
      std::fill(s.begin(), s.end(), 0.f);
      for (int64_t j = 0; j < n; ++j) {
        const int64_t r = o * n + j;
        const float* xr = x + r * inner;
        const float k = inverse_norm(xr, inner, eps);
        inv[r] = k;
        if (!mask[r]) continue;
        for (int64_t c = 0; c < inner; ++c) y[static_cast<size_t>(c)] = xr[c] * k;
        for (int64_t c = 0; c < inner; ++c) s[static_cast<size_t>(c)] += y[static_cast<size_t>(c)];
      }
      std::copy(s.begin(), s.end(), out + o * inner);
    }
  });
}

void unit_sum_backward(const float* g, const float* x, const uint8_t* mask, const float* inv, float* dx,
                       int64_t outer, int64_t n, int64_t inner, float eps) {
  parallel_for(outer, row_grain(n * inner), [&](int64_t ob, int64_t oe) {
    std::vector<float> y(static_cast<size_t>(inner));
    for (int64_t o = ob; o < oe; ++o) {
      const float* go = g + o * inner;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t r = o * n + j;
        if (!mask[r]) continue;
        const float* xr = x + r * inner;
        float* out = dx + r * inner;
        const float k = inv[r];
        for (int64_t c = 0; c < inner; ++c) y[static_cast<size_t>(c)] = xr[c] * k;
        unit_row_backward(go, y.data(), k, out, inner, eps);
      }
    }
  });
}

void weighted_term_forward(const float* x, const float* w, float* out, int64_t rows, int64_t cols,
                           int64_t M, int64_t m, bool accumulate) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* xr = x + r * cols;
      float* yr = out + r * cols;
      const float k = w[r * M + m];
      if (accumulate)
        for (int64_t c = 0; c < cols; ++c) yr[c] += k * xr[c];
      else
        for (int64_t c = 0; c < cols; ++c) yr[c] = k * xr[c];
    }
  });
}

void weighted_term_backward(const float* g, const float* x, const float* w, float* dx, float* dw,
                            int64_t rows, int64_t cols, int64_t M, int64_t m, bool accumulate_dx) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const float* gr = g + r * cols;
      const float k = w[r * M + m];
      if (dx != nullptr) {
        float* out = dx + r * cols;
        if (accumulate_dx)
          for (int64_t c = 0; c < cols; ++c) out[c] += k * gr[c];
        else
          for (int64_t c = 0; c < cols; ++c) out[c] = k * gr[c];
      }
      if (dw != nullptr) {
        const float* xr = x + r * cols;
        float dot = 0.f;
        for (int64_t c = 0; c < cols; ++c) dot += xr[c] * gr[c];
        dw[r * M + m] += dot;
      }
    }
  });
}

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                        float* rstd, int64_t rows, int64_t cols, float eps) {
  parallel_for(rows, row_grain(cols), [&](int64_t rb, int64_t re) {
    int32_t n = static_cast<int32_t>(cols);
    for (int64_t r = rb; r < re; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float m = row_sum(xr, cols) / static_cast<float>(cols);
      for (int32_t c = 0; c < n; ++c) yr[c] = (xr[c] - m) * (xr[c] - m);  // squared deviations, reused below
      float rs = 1.f / std::sqrt(row_sum(yr, cols) / static_cast<float>(cols) + eps);
      mean[r] = m;
      rstd[r] = rs;
      for (int32_t c = 0; c < n; ++c) yr[c] = (xr[c] - m) * rs * gamma[c] + beta[c];
    }
  });
}

void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean,
                         const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t rows,
                         int64_t cols, bool accumulate_dx) {
  // One row-major pass: dx per row, and per-task partial sums of dgamma/dbeta
  // (column sums over the task's rows) added up at the end in task order.
  int64_t tasks = num_threads() < 8 ? num_threads() : 8;
  std::vector<float> partial(static_cast<size_t>(2 * tasks * cols), 0.f);
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t rb = rows * t / tasks, re = rows * (t + 1) / tasks;
      float* pg = partial.data() + 2 * t * cols;
      float* pb = pg + cols;
      for (int64_t r = rb; r < re; ++r) {
        const float* xr = x + r * cols;
        const float* gr = dy + r * cols;
        float* out = dx + r * cols;
        float m = mean[r], rs = rstd[r];
        float a = 0.f, b = 0.f;  // a = sum(g*gamma), b = sum(g*gamma*xhat)
        for (int64_t c = 0; c < cols; ++c) {
          float xhat = (xr[c] - m) * rs;
          float gg = gr[c] * gamma[c];
          a += gg;
          b += gg * xhat;
          pg[c] += gr[c] * xhat;
          pb[c] += gr[c];
        }
        float fa = a / static_cast<float>(cols), fb = b / static_cast<float>(cols);
        for (int64_t c = 0; c < cols; ++c) {
          float xhat = (xr[c] - m) * rs;
          float g = rs * (gr[c] * gamma[c] - fa - xhat * fb);
          out[c] = accumulate_dx ? out[c] + g : g;
        }
      }
    }
  });
  for (int64_t t = 0; t < tasks; ++t) {
    const float* pg = partial.data() + 2 * t * cols;
    for (int64_t c = 0; c < cols; ++c) {
      dgamma[c] += pg[c];
      dbeta[c] += pg[cols + c];
    }
  }
}

void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed) {
  float keep_scale = 1.f / (1.f - p);
  // Keep element i when its 24-bit hash value is >= p * 2^24. The hash is a
  // 32-bit counter-based mix (lowbias32) of (seed, i): it vectorises with
  // 32-bit integer multiplies, and the mask does not depend on the threading.
  uint32_t threshold = static_cast<uint32_t>(p * 16777216.0f);
  uint32_t s0 = static_cast<uint32_t>(seed), s1 = static_cast<uint32_t>(seed >> 32);
  parallel_for(n, 1 << 15, [=](int64_t b, int64_t e) {
    const float* __restrict xs = x + b;
    float* __restrict ys = y + b;
    float* __restrict ms = mask + b;
    uint32_t base = static_cast<uint32_t>(b);
    int32_t len = static_cast<int32_t>(e - b);
    for (int32_t k = 0; k < len; ++k) {
      uint32_t z = (base + static_cast<uint32_t>(k)) * 0x9e3779b9u + s0;
      z ^= z >> 16;
      z *= 0x7feb352du;
      z ^= z >> 15;
      z *= 0x846ca68bu;
      z ^= z >> 16;
      z ^= s1;
      z *= 0x9e3779b1u;
      z ^= z >> 15;
      // Arithmetic, not a branch: a 50 % unpredictable branch costs more than the hash.
      float keep = keep_scale * static_cast<float>(static_cast<int32_t>((z >> 8) >= threshold));
      ms[k] = keep;
      ys[k] = xs[k] * keep;
    }
  });
}

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int step) {
  float c1 = 1.f - static_cast<float>(std::pow(beta1, step));
  float c2 = 1.f - static_cast<float>(std::pow(beta2, step));
  float step_size = lr / c1;
  float inv_sqrt_c2 = 1.f / std::sqrt(c2);
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float g = grad[i];
      if (!decoupled && weight_decay != 0.f) g += weight_decay * param[i];
      m[i] = beta1 * m[i] + (1.f - beta1) * g;
      v[i] = beta2 * v[i] + (1.f - beta2) * g * g;
      float denom = std::sqrt(v[i]) * inv_sqrt_c2 + eps;
      if (decoupled && weight_decay != 0.f) param[i] -= lr * weight_decay * param[i];
      param[i] -= step_size * m[i] / denom;
    }
  });
}

DEMURE_ISA_END
}  // namespace demure
