// The GRU cell's gates after its two products, for inference: one pass per
// step where the op-by-op cell makes five slices and eight element-wise ops.
#include <vector>

#include "fastmath.h"
#include "kernels.h"
#include "parallel.h"

namespace demure {
DEMURE_ISA_BEGIN

void gru_gates_forward(const float* gx, int64_t gx_stride, const float* gh, const float* h, int64_t h_stride,
                       float* out, int64_t out_stride, int64_t batch, int64_t hidden) {
  // The floats of ops/gru.ts's cell, op by op: every product is rounded into
  // a scratch row before the sum that reads it (a product feeding a sum in
  // one loop is contracted into an FMA by the FMA builds, one rounding
  // instead of two).
  const int64_t H = hidden;
  parallel_for(batch, (1 << 14) / (3 * H > 0 ? 3 * H : 1) + 1, [&](int64_t bb, int64_t be) {
    std::vector<float> r(static_cast<size_t>(H)), z(static_cast<size_t>(H)), n(static_cast<size_t>(H)),
        t(static_cast<size_t>(H));
    for (int64_t b = bb; b < be; ++b) {
      const float* x = gx + b * gx_stride;
      const float* g = gh + b * 3 * H;
      const float* hb = h + b * h_stride;
      float* y = out + b * out_stride;
      for (int64_t c = 0; c < H; ++c) r[c] = fastmath::sigmoid(x[c] + g[c]);
      for (int64_t c = 0; c < H; ++c) z[c] = fastmath::sigmoid(x[H + c] + g[H + c]);
      for (int64_t c = 0; c < H; ++c) t[c] = r[c] * g[2 * H + c];
      for (int64_t c = 0; c < H; ++c) n[c] = fastmath::tanh(x[2 * H + c] + t[c]);
      // h' = n + z * (h - n)
      for (int64_t c = 0; c < H; ++c) t[c] = z[c] * (hb[c] - n[c]);
      for (int64_t c = 0; c < H; ++c) y[c] = n[c] + t[c];
    }
  });
}

DEMURE_ISA_END
}  // namespace demure
