// Element-wise and neural-network kernels on raw float buffers. They know
// nothing about tensors or recommenders: shapes arrive as plain integers.
#pragma once
#include <cstdint>

#include "isa.h"

namespace demure {
DEMURE_ISA_BEGIN

enum UnaryOp { kRelu = 0, kGelu = 1, kTanh = 2, kSigmoid = 3, kExp = 4, kLog = 5, kNeg = 6, kSqrt = 7 };
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };

void unary_forward(int op, const float* x, float* y, int64_t n);
// dx (+)= dy * f'(x); uses x or y depending on op.
void unary_backward(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                    bool accumulate);

// out[r, c] = a[r, c] op b[...], where b is (mode 0) same shape, (mode 1) a row
// vector of length cols broadcast over rows, (mode 2) a column vector of
// length rows broadcast over columns, (mode 3) a scalar.
void binary_forward(int op, int mode, const float* a, const float* b, float* out, int64_t rows,
                    int64_t cols);

void fill_rows(const float* row, float* out, int64_t rows, int64_t cols);  // out[r, :] = row
void axpy(float alpha, const float* x, float* y, int64_t n);  // y += alpha * x
// Strided blocks of rows: y[r*y_stride + c] (+)= x[r*x_stride + c] for r < rows, c < cols
// (a slice along an inner axis, or its gradient, in one call).
void copy_rows(const float* x, int64_t x_stride, float* y, int64_t y_stride, int64_t rows, int64_t cols,
               bool accumulate);
void scale(float alpha, const float* x, float* y, int64_t n);  // y = alpha * x
void mul_accumulate(const float* a, const float* b, float* y, int64_t n);  // y += a * b
double sum_squares(const float* x, int64_t n);
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols, bool accumulate);  // over rows
void sum_cols(const float* x, float* out, int64_t rows, int64_t cols, bool accumulate);  // over cols
// x [outer, n, inner]: out[o, c] (+)= sum_j x[o, j, c]: the floats of sum_rows on each
// block, in one call.
void sum_middle(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, bool accumulate);
// Its gradient: y[o, j, c] (+)= g[o, c] for every j < n.
void spread_middle(const float* g, float* y, int64_t outer, int64_t n, int64_t inner, bool accumulate);

void gather_rows(const float* table, const int32_t* idx, float* out, int64_t n, int64_t dim);
void scatter_add_rows(const float* dout, const int32_t* idx, float* dtable, int64_t n, int64_t dim,
                      int64_t vocab);

void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols, bool log);
void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols,
                           bool log, bool accumulate);
// Softmax over the last axis of [batch, lq, lk] scores, keys j allowed when
// (!causal || j <= i + (lk - lq)) and (key_mask == nullptr || key_mask[b*lk + j]).
// `heads` query blocks share one batch row of key_mask. Rows with no allowed key are all 0.
void softmax_masked(const float* x, float* y, int64_t batch, int64_t heads, int64_t lq, int64_t lk,
                    bool causal, const uint8_t* key_mask);

// Fused softmax cross-entropy: returns the summed loss over rows whose target
// is >= 0, and writes dlogits = (softmax - onehot) * grad_scale (0 for ignored rows).
// row_loss (may be null) gets each row's loss (0 for ignored rows).
double cross_entropy_rows(const float* logits, const int32_t* targets, float* dlogits, int64_t rows,
                          int64_t cols, float grad_scale, float* row_loss);

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                        float* rstd, int64_t rows, int64_t cols, float eps);
void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean,
                         const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t rows,
                         int64_t cols, bool accumulate_dx);

// Rows scaled to unit L2 norm: y = x * inv, inv[r] = 1 / max(|x_r|, eps).
void l2_normalize_forward(const float* x, float* y, float* inv, int64_t rows, int64_t cols, float eps);
// dx += (g - y (g . y)) * inv per row; a clamped row (norm <= eps) gets dx += g * inv.
void l2_normalize_backward(const float* g, const float* y, const float* inv, float* dx, int64_t rows,
                           int64_t cols, float eps);

// x [outer, n, inner]: out[o, :] = sum over the j with mask[o * n + j] of x[o, j, :] / max(|x[o, j, :]|, eps)
// (inv[o * n + j] = 1 / max(|x[o, j, :]|, eps) for every row), and its gradient (dx accumulates,
// masked-out rows untouched).
void unit_sum_forward(const float* x, const uint8_t* mask, float* out, float* inv, int64_t outer,
                      int64_t n, int64_t inner, float eps);
void unit_sum_backward(const float* g, const float* x, const uint8_t* mask, const float* inv, float* dx,
                       int64_t outer, int64_t n, int64_t inner, float eps);

// One term of a per-row weighted sum over modalities: out[r, :] (+)= w[r * M + m] * x[r, :]
// (overwrites when accumulate is false).
void weighted_term_forward(const float* x, const float* w, float* out, int64_t rows, int64_t cols,
                           int64_t M, int64_t m, bool accumulate);
// Its gradients: dx[r, :] (+)= w[r * M + m] * g[r, :] (dx may be null; overwritten unless
// accumulate_dx) and dw[r * M + m] += x[r, :] . g[r, :] (dw may be null).
void weighted_term_backward(const float* g, const float* x, const float* w, float* dx, float* dw,
                            int64_t rows, int64_t cols, int64_t M, int64_t m, bool accumulate_dx);

// Table rows read through an index (kernels_gather.cc). One term of a weighted
// sum over modalities of gathered rows: out[r, :] (+)= w[(r / per) * M + m] *
// table[idx[r], :] (overwrites when accumulate is false).
void gathered_term_forward(const float* table, const int32_t* idx, const float* w, float* out,
                           int64_t rows, int64_t per, int64_t dim, int64_t M, int64_t m,
                           bool accumulate);
// Its gradients: dw[u * M + m] += sum over the rows r of group u of table[idx[r]] . g[r] (dw may
// be null) and dtable[idx[r]] += w[(r / per) * M + m] * g[r] (dtable may be null).
void gathered_term_backward(const float* g, const float* table, const int32_t* idx, const float* w,
                            float* dtable, float* dw, int64_t rows, int64_t per, int64_t dim,
                            int64_t M, int64_t m, int64_t vocab);
// A weighted bag: out[b, :] = sum over r in [b * per, (b + 1) * per) of a[r] * table[idx[r], :].
void bag_forward(const float* table, const int32_t* idx, const float* a, float* out, int64_t bags,
                 int64_t per, int64_t dim);
// Its gradients: da[r] (+)= table[idx[r]] . g[r / per] (da may be null) and
// dtable[idx[r]] += a[r] * g[r / per] (dtable may be null).
void bag_backward(const float* g, const float* table, const int32_t* idx, const float* a,
                  float* dtable, float* da, int64_t bags, int64_t per, int64_t dim, int64_t vocab,
                  bool accumulate_da);

// The GRU cell after its products gx = x·W_x + b_x and gh = h·W_h + b_h
// (kernels_gru.cc), gates ordered (r, z, n): row b of gx starts at
// gx + b * gx_stride, of h at h + b * h_stride, of out at out + b * out_stride; gh [batch, 3H].
//   r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n), out = n + z ⊙ (h − n).
void gru_gates_forward(const float* gx, int64_t gx_stride, const float* gh, const float* h,
                       int64_t h_stride, float* out, int64_t out_stride, int64_t batch, int64_t hidden);

// Inverted dropout with a counter-based generator: mask[i] is 0 or 1/(1-p),
// y = x * mask, in one pass.
void dropout_forward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed);

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int step);

DEMURE_ISA_END
}  // namespace demure
