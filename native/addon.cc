// The Node-API face of the native kernels. Every function takes whole typed
// arrays and works on their memory in place (no copies); the TypeScript side
// owns shapes and checks them before calling in. Only cheap safety checks
// (buffer lengths, index ranges) are repeated here so a bug cannot corrupt memory.
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "blas.h"
#include "dispatch.h"
#include "gemm.h"
#include "kernels.h"
#include "parallel.h"

namespace {

using demure::parallel_for;

struct Args {
  const Napi::CallbackInfo& info;
  bool ok = true;

  float* f32(size_t i, int64_t need) {
    if (!ok) return nullptr;
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      return fail("argument " + std::to_string(i) + " must be a Float32Array");
    }
    auto a = info[i].As<Napi::Float32Array>();
    if (static_cast<int64_t>(a.ElementLength()) < need) {
      return fail("argument " + std::to_string(i) + " is too short: " + std::to_string(a.ElementLength()) +
                  " < " + std::to_string(need));
    }
    return a.Data();
  }
  int32_t* i32(size_t i, int64_t need) {
    if (!ok) return nullptr;
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      fail("argument " + std::to_string(i) + " must be an Int32Array");
      return nullptr;
    }
    auto a = info[i].As<Napi::Int32Array>();
    if (static_cast<int64_t>(a.ElementLength()) < need) {
      fail("argument " + std::to_string(i) + " is too short");
      return nullptr;
    }
    return a.Data();
  }
  uint8_t* u8(size_t i, int64_t need) {
    if (!ok) return nullptr;
    if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      fail("argument " + std::to_string(i) + " must be a Uint8Array or null");
      return nullptr;
    }
    auto a = info[i].As<Napi::Uint8Array>();
    if (static_cast<int64_t>(a.ElementLength()) < need) {
      fail("argument " + std::to_string(i) + " is too short");
      return nullptr;
    }
    return a.Data();
  }
  int64_t i64(size_t i) { return static_cast<int64_t>(info[i].As<Napi::Number>().Int64Value()); }
  double num(size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
  bool flag(size_t i) { return info[i].ToBoolean().Value(); }
  // False, with a RangeError "name: negative size", when any size is below 0.
  bool sizes(const char* name, std::initializer_list<int64_t> dims) {
    for (int64_t d : dims)
      if (d < 0) {
        Napi::RangeError::New(info.Env(), std::string(name) + ": negative size").ThrowAsJavaScriptException();
        ok = false;
        return false;
      }
    return true;
  }
  float* fail(const std::string& msg) {
    if (ok) Napi::TypeError::New(info.Env(), "demure native: " + msg).ThrowAsJavaScriptException();
    ok = false;
    return nullptr;
  }
};

// gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args a{info};
  bool ta = a.flag(0), tb = a.flag(1);
  int64_t M = a.i64(2), N = a.i64(3), K = a.i64(4);
  int64_t lda = a.i64(7), ldb = a.i64(9), ldc = a.i64(12);
  const float* A = a.f32(6, M * K == 0 ? 0 : (ta ? (K - 1) * lda + M : (M - 1) * lda + K));
  const float* B = a.f32(8, K * N == 0 ? 0 : (tb ? (N - 1) * ldb + K : (K - 1) * ldb + N));
  float* C = a.f32(11, M * N == 0 ? 0 : (M - 1) * ldc + N);
  if (!a.ok) return info.Env().Undefined();
  demure::sgemm(ta, tb, M, N, K, static_cast<float>(a.num(5)), A, lda, B, ldb, static_cast<float>(a.num(10)), C,
                ldc);
  return info.Env().Undefined();
}

// Extent in floats of a rows x cols row-major matrix with leading dimension ld.
int64_t extent(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// gemmBatched(transA, transB, outer, inner, M, N, K, alpha,
//             A, lda, strideAOuter, strideAInner,
//             B, ldb, strideBOuter, strideBInner,
//             beta, C, ldc, strideCOuter, strideCInner)
// Product i = (o, h), o < outer, h < inner, uses the matrices at offset
// o*strideOuter + h*strideInner of each buffer. Two-level strides let
// attention read each head's slice of a [B, L, heads*dh] tensor in place.
Napi::Value GemmBatched(const Napi::CallbackInfo& info) {
  Args a{info};
  bool ta = a.flag(0), tb = a.flag(1);
  int64_t outer = a.i64(2), inner = a.i64(3), M = a.i64(4), N = a.i64(5), K = a.i64(6);
  int64_t lda = a.i64(9), sAo = a.i64(10), sAi = a.i64(11);
  int64_t ldb = a.i64(13), sBo = a.i64(14), sBi = a.i64(15);
  int64_t ldc = a.i64(18), sCo = a.i64(19), sCi = a.i64(20);
  bool any = outer > 0 && inner > 0;
  int64_t lastA = any ? (outer - 1) * sAo + (inner - 1) * sAi : 0;
  int64_t lastB = any ? (outer - 1) * sBo + (inner - 1) * sBi : 0;
  int64_t lastC = any ? (outer - 1) * sCo + (inner - 1) * sCi : 0;
  const float* A = a.f32(8, any ? lastA + (ta ? extent(K, M, lda) : extent(M, K, lda)) : 0);
  const float* B = a.f32(12, any ? lastB + (tb ? extent(N, K, ldb) : extent(K, N, ldb)) : 0);
  float* C = a.f32(17, any ? lastC + extent(M, N, ldc) : 0);
  if (!a.ok) return info.Env().Undefined();
  float alpha = static_cast<float>(a.num(7)), beta = static_cast<float>(a.num(16));
  // Many small products: each thread takes a range of them and runs each on
  // its own (BLAS, itself single-threaded here, or the portable kernel).
  parallel_for(outer * inner, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      int64_t o = i / inner, h = i % inner;
      demure::sgemm_serial(ta, tb, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha,
                             A + o * sAo + h * sAi, static_cast<int>(lda), B + o * sBo + h * sBi,
                             static_cast<int>(ldb), beta, C + o * sCo + h * sCi, static_cast<int>(ldc));
    }
  });
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(3);
  const float* x = a.f32(1, n);
  float* y = a.f32(2, n);
  if (a.ok) demure::kernels().unary_forward(static_cast<int>(a.i64(0)), x, y, n);
  return info.Env().Undefined();
}

// unaryBackward(op, x, y, dy, dx, n, accumulate)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(5);
  const float* x = a.f32(1, n);
  const float* y = a.f32(2, n);
  const float* dy = a.f32(3, n);
  float* dx = a.f32(4, n);
  if (a.ok) demure::kernels().unary_backward(static_cast<int>(a.i64(0)), x, y, dy, dx, n, a.flag(6));
  return info.Env().Undefined();
}

// binary(op, mode, a, b, out, rows, cols)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args a{info};
  int mode = static_cast<int>(a.i64(1));
  int64_t rows = a.i64(5), cols = a.i64(6);
  int64_t nb = mode == 0 ? rows * cols : mode == 1 ? cols : mode == 2 ? rows : 1;
  const float* x = a.f32(2, rows * cols);
  const float* y = a.f32(3, nb);
  float* out = a.f32(4, rows * cols);
  if (a.ok) demure::kernels().binary_forward(static_cast<int>(a.i64(0)), mode, x, y, out, rows, cols);
  return info.Env().Undefined();
}

// fillRows(row, out, rows, cols)
Napi::Value FillRows(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(2), cols = a.i64(3);
  const float* row = a.f32(0, cols);
  float* out = a.f32(1, rows * cols);
  if (a.ok) demure::kernels().fill_rows(row, out, rows, cols);
  return info.Env().Undefined();
}

// axpy(alpha, x, y, n)
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(3);
  const float* x = a.f32(1, n);
  float* y = a.f32(2, n);
  if (a.ok) demure::kernels().axpy(static_cast<float>(a.num(0)), x, y, n);
  return info.Env().Undefined();
}

// copyRows(x, xOffset, xStride, y, yOffset, yStride, rows, cols, accumulate)
Napi::Value CopyRows(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t xo = a.i64(1), xs = a.i64(2), yo = a.i64(4), ys = a.i64(5), rows = a.i64(6), cols = a.i64(7);
  if (xo < 0 || yo < 0 || xs < 0 || ys < 0 || rows < 0 || cols < 0) {
    Napi::RangeError::New(info.Env(), "copyRows: negative offset, stride or size").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  if (rows == 0 || cols == 0) return info.Env().Undefined();
  const float* x = a.f32(0, xo + (rows - 1) * xs + cols);
  float* y = a.f32(3, yo + (rows - 1) * ys + cols);
  if (a.ok) demure::kernels().copy_rows(x + xo, xs, y + yo, ys, rows, cols, info[8].ToBoolean().Value());
  return info.Env().Undefined();
}

// scale(alpha, x, y, n)
Napi::Value Scale(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(3);
  const float* x = a.f32(1, n);
  float* y = a.f32(2, n);
  if (a.ok) demure::kernels().scale(static_cast<float>(a.num(0)), x, y, n);
  return info.Env().Undefined();
}

// mulAccumulate(a, b, y, n): y += a * b
Napi::Value MulAccumulate(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(3);
  const float* x = a.f32(0, n);
  const float* z = a.f32(1, n);
  float* y = a.f32(2, n);
  if (a.ok) demure::kernels().mul_accumulate(x, z, y, n);
  return info.Env().Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(1);
  const float* x = a.f32(0, n);
  if (!a.ok) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), demure::kernels().sum_squares(x, n));
}

// sumRows(x, out, rows, cols, accumulate) / sumCols(...)
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(2), cols = a.i64(3);
  const float* x = a.f32(0, rows * cols);
  float* out = a.f32(1, cols);
  if (a.ok) demure::kernels().sum_rows(x, out, rows, cols, a.flag(4));
  return info.Env().Undefined();
}

Napi::Value SumCols(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(2), cols = a.i64(3);
  const float* x = a.f32(0, rows * cols);
  float* out = a.f32(1, rows);
  if (a.ok) demure::kernels().sum_cols(x, out, rows, cols, a.flag(4));
  return info.Env().Undefined();
}

// sumMiddle(x, out, outer, n, inner, accumulate) / spreadMiddle(g, y, outer, n, inner, accumulate)
Napi::Value SumMiddle(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t outer = a.i64(2), n = a.i64(3), inner = a.i64(4);
  if (!a.sizes("sumMiddle", {outer, n, inner})) return info.Env().Undefined();
  const float* x = a.f32(0, outer * n * inner);
  float* out = a.f32(1, outer * inner);
  if (a.ok) demure::kernels().sum_middle(x, out, outer, n, inner, a.flag(5));
  return info.Env().Undefined();
}

Napi::Value SpreadMiddle(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t outer = a.i64(2), n = a.i64(3), inner = a.i64(4);
  if (!a.sizes("spreadMiddle", {outer, n, inner})) return info.Env().Undefined();
  const float* g = a.f32(0, outer * inner);
  float* y = a.f32(1, outer * n * inner);
  if (a.ok) demure::kernels().spread_middle(g, y, outer, n, inner, a.flag(5));
  return info.Env().Undefined();
}

bool check_indices(Args& a, const int32_t* idx, int64_t n, int64_t vocab) {
  if (!a.ok) return false;
  for (int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= vocab) {
      a.fail("index " + std::to_string(idx[i]) + " at position " + std::to_string(i) + " is outside [0, " +
             std::to_string(vocab) + ")");
      return false;
    }
  }
  return true;
}

// gatherRows(table, vocab, idx, out, n, dim)
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(1), n = a.i64(4), dim = a.i64(5);
  const float* table = a.f32(0, vocab * dim);
  const int32_t* idx = a.i32(2, n);
  float* out = a.f32(3, n * dim);
  if (check_indices(a, idx, n, vocab)) demure::kernels().gather_rows(table, idx, out, n, dim);
  return info.Env().Undefined();
}

// scatterAddRows(dout, idx, dtable, vocab, n, dim)
Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(3), n = a.i64(4), dim = a.i64(5);
  const float* dout = a.f32(0, n * dim);
  const int32_t* idx = a.i32(1, n);
  float* dtable = a.f32(2, vocab * dim);
  if (check_indices(a, idx, n, vocab)) demure::kernels().scatter_add_rows(dout, idx, dtable, n, dim, vocab);
  return info.Env().Undefined();
}

// softmax(x, y, rows, cols, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(2), cols = a.i64(3);
  const float* x = a.f32(0, rows * cols);
  float* y = a.f32(1, rows * cols);
  if (a.ok) demure::kernels().softmax_rows(x, y, rows, cols, a.flag(4));
  return info.Env().Undefined();
}

// softmaxBackward(y, dy, dx, rows, cols, log, accumulate)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(3), cols = a.i64(4);
  const float* y = a.f32(0, rows * cols);
  const float* dy = a.f32(1, rows * cols);
  float* dx = a.f32(2, rows * cols);
  if (a.ok) demure::kernels().softmax_rows_backward(y, dy, dx, rows, cols, a.flag(5), a.flag(6));
  return info.Env().Undefined();
}

// softmaxMasked(x, y, batch, heads, lq, lk, causal, keyMask|null)
Napi::Value SoftmaxMasked(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t batch = a.i64(2), heads = a.i64(3), lq = a.i64(4), lk = a.i64(5);
  int64_t n = batch * heads * lq * lk;
  const float* x = a.f32(0, n);
  float* y = a.f32(1, n);
  const uint8_t* km = a.u8(7, batch * lk);
  if (a.ok) demure::kernels().softmax_masked(x, y, batch, heads, lq, lk, a.flag(6), km);
  return info.Env().Undefined();
}

// crossEntropy(logits, targets, dlogits, rows, cols, gradScale) -> summed loss
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(3), cols = a.i64(4);
  const float* logits = a.f32(0, rows * cols);
  const int32_t* t = a.i32(1, rows);
  float* d = a.f32(2, rows * cols);
  if (!a.ok) return info.Env().Undefined();
  for (int64_t r = 0; r < rows; ++r) {
    if (t[r] >= cols) {
      a.fail("target " + std::to_string(t[r]) + " in row " + std::to_string(r) + " is outside [0, " +
             std::to_string(cols) + ")");
      return info.Env().Undefined();
    }
  }
  // Optional 7th argument: a buffer for each row's loss.
  float* row_loss = info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull() ? a.f32(6, rows) : nullptr;
  if (!a.ok) return info.Env().Undefined();
  double loss =
      demure::kernels().cross_entropy_rows(logits, t, d, rows, cols, static_cast<float>(a.num(5)), row_loss);
  return Napi::Number::New(info.Env(), loss);
}

// l2Normalize(x, y, inv, rows, cols, eps)
Napi::Value L2Normalize(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(3), cols = a.i64(4);
  const float* x = a.f32(0, rows * cols);
  float* y = a.f32(1, rows * cols);
  float* inv = a.f32(2, rows);
  if (a.ok) demure::kernels().l2_normalize_forward(x, y, inv, rows, cols, static_cast<float>(a.num(5)));
  return info.Env().Undefined();
}

// l2NormalizeBackward(g, y, inv, dx, rows, cols, eps)  (dx accumulates)
Napi::Value L2NormalizeBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(4), cols = a.i64(5);
  const float* g = a.f32(0, rows * cols);
  const float* y = a.f32(1, rows * cols);
  const float* inv = a.f32(2, rows);
  float* dx = a.f32(3, rows * cols);
  if (a.ok) demure::kernels().l2_normalize_backward(g, y, inv, dx, rows, cols, static_cast<float>(a.num(6)));
  return info.Env().Undefined();
}

// unitSum(x, mask, out, inv, outer, n, inner, eps) / unitSumBackward(g, x, mask, inv, dx, outer, n, inner, eps)
Napi::Value UnitSum(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t outer = a.i64(4), n = a.i64(5), inner = a.i64(6);
  if (!a.sizes("unitSum", {outer, n, inner})) return info.Env().Undefined();
  const float* x = a.f32(0, outer * n * inner);
  const uint8_t* mask = a.u8(1, outer * n);
  float* out = a.f32(2, outer * inner);
  float* inv = a.f32(3, outer * n);
  if (a.ok && mask == nullptr) a.fail("argument 1 must be a Uint8Array");
  if (a.ok) demure::kernels().unit_sum_forward(x, mask, out, inv, outer, n, inner, static_cast<float>(a.num(7)));
  return info.Env().Undefined();
}

Napi::Value UnitSumBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t outer = a.i64(5), n = a.i64(6), inner = a.i64(7);
  if (!a.sizes("unitSumBackward", {outer, n, inner})) return info.Env().Undefined();
  const float* g = a.f32(0, outer * inner);
  const float* x = a.f32(1, outer * n * inner);
  const uint8_t* mask = a.u8(2, outer * n);
  const float* inv = a.f32(3, outer * n);
  float* dx = a.f32(4, outer * n * inner);
  if (a.ok && mask == nullptr) a.fail("argument 2 must be a Uint8Array");
  if (a.ok)
    demure::kernels().unit_sum_backward(g, x, mask, inv, dx, outer, n, inner, static_cast<float>(a.num(8)));
  return info.Env().Undefined();
}

// weightedTerm(x, w, out, rows, cols, M, m, accumulate)
Napi::Value WeightedTerm(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(3), cols = a.i64(4), M = a.i64(5), m = a.i64(6);
  if (a.ok && (m < 0 || m >= M)) a.fail("modality index out of range");
  const float* x = a.f32(0, rows * cols);
  const float* w = a.f32(1, rows * M);
  float* out = a.f32(2, rows * cols);
  if (a.ok) demure::kernels().weighted_term_forward(x, w, out, rows, cols, M, m, info[7].ToBoolean().Value());
  return info.Env().Undefined();
}

// weightedTermBackward(g, x, w, dx | null, dw | null, rows, cols, M, m, accumulateDx)
Napi::Value WeightedTermBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(5), cols = a.i64(6), M = a.i64(7), m = a.i64(8);
  if (a.ok && (m < 0 || m >= M)) a.fail("modality index out of range");
  const float* g = a.f32(0, rows * cols);
  const float* x = a.f32(1, rows * cols);
  const float* w = a.f32(2, rows * M);
  float* dx = info[3].IsNull() ? nullptr : a.f32(3, rows * cols);
  float* dw = info[4].IsNull() ? nullptr : a.f32(4, rows * M);
  if (a.ok)
    demure::kernels().weighted_term_backward(g, x, w, dx, dw, rows, cols, M, m, info[9].ToBoolean().Value());
  return info.Env().Undefined();
}

// Rows of `table` [vocab, dim] read through idx. gatheredTerm(table, vocab, idx, w, out, rows, per,
// dim, M, m, accumulate) / gatheredTermBackward(g, table, vocab, idx, w, dtable | null, dw | null,
// rows, per, dim, M, m).
Napi::Value GatheredTerm(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(1), rows = a.i64(5), per = a.i64(6), dim = a.i64(7), M = a.i64(8), m = a.i64(9);
  if (!a.sizes("gatheredTerm", {vocab, rows, dim})) return info.Env().Undefined();
  if (a.ok && (m < 0 || m >= M)) a.fail("modality index out of range");
  if (a.ok && (per <= 0 || rows % per != 0)) a.fail("rows must be a multiple of per (> 0)");
  const float* table = a.f32(0, vocab * dim);
  const int32_t* idx = a.i32(2, rows);
  const float* w = a.f32(3, (rows / (per > 0 ? per : 1)) * M);
  float* out = a.f32(4, rows * dim);
  if (a.ok && check_indices(a, idx, rows, vocab))
    demure::kernels().gathered_term_forward(table, idx, w, out, rows, per, dim, M, m, a.flag(10));
  return info.Env().Undefined();
}

Napi::Value GatheredTermBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(2), rows = a.i64(7), per = a.i64(8), dim = a.i64(9), M = a.i64(10), m = a.i64(11);
  if (!a.sizes("gatheredTermBackward", {vocab, rows, dim})) return info.Env().Undefined();
  if (a.ok && (m < 0 || m >= M)) a.fail("modality index out of range");
  if (a.ok && (per <= 0 || rows % per != 0)) a.fail("rows must be a multiple of per (> 0)");
  const float* g = a.f32(0, rows * dim);
  const float* table = a.f32(1, vocab * dim);
  const int32_t* idx = a.i32(3, rows);
  const float* w = a.f32(4, (rows / (per > 0 ? per : 1)) * M);
  float* dtable = info[5].IsNull() ? nullptr : a.f32(5, vocab * dim);
  float* dw = info[6].IsNull() ? nullptr : a.f32(6, (rows / (per > 0 ? per : 1)) * M);
  if (a.ok && check_indices(a, idx, rows, vocab))
    demure::kernels().gathered_term_backward(g, table, idx, w, dtable, dw, rows, per, dim, M, m, vocab);
  return info.Env().Undefined();
}

// bag(table, vocab, idx, a, out, bags, per, dim) / bagBackward(g, table, vocab, idx, a,
// dtable | null, da | null, bags, per, dim, accumulateDa).
Napi::Value Bag(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(1), bags = a.i64(5), per = a.i64(6), dim = a.i64(7);
  if (!a.sizes("bag", {vocab, bags, per, dim})) return info.Env().Undefined();
  const float* table = a.f32(0, vocab * dim);
  const int32_t* idx = a.i32(2, bags * per);
  const float* w = a.f32(3, bags * per);
  float* out = a.f32(4, bags * dim);
  if (a.ok && check_indices(a, idx, bags * per, vocab))
    demure::kernels().bag_forward(table, idx, w, out, bags, per, dim);
  return info.Env().Undefined();
}

Napi::Value BagBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t vocab = a.i64(2), bags = a.i64(7), per = a.i64(8), dim = a.i64(9);
  if (!a.sizes("bagBackward", {vocab, bags, per, dim})) return info.Env().Undefined();
  const float* g = a.f32(0, bags * dim);
  const float* table = a.f32(1, vocab * dim);
  const int32_t* idx = a.i32(3, bags * per);
  const float* w = a.f32(4, bags * per);
  float* dtable = info[5].IsNull() ? nullptr : a.f32(5, vocab * dim);
  float* da = info[6].IsNull() ? nullptr : a.f32(6, bags * per);
  if (a.ok && check_indices(a, idx, bags * per, vocab))
    demure::kernels().bag_backward(g, table, idx, w, dtable, da, bags, per, dim, vocab, a.flag(10));
  return info.Env().Undefined();
}

// gruGates(gx, gxStride, gh, h, hStride, out, outStride, batch, hidden)
Napi::Value GruGates(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t gxs = a.i64(1), hs = a.i64(4), outs = a.i64(6), batch = a.i64(7), hidden = a.i64(8);
  if (!a.sizes("gruGates", {gxs, hs, outs, batch, hidden})) return info.Env().Undefined();
  if (a.ok && (gxs < 3 * hidden || hs < hidden || outs < hidden))
    a.fail("gruGates: a row stride is shorter than its row");
  int64_t last = batch > 0 ? batch - 1 : 0;
  auto need = [&](int64_t stride, int64_t width) { return batch > 0 ? last * stride + width : 0; };
  const float* gx = a.f32(0, need(gxs, 3 * hidden));
  const float* gh = a.f32(2, batch * 3 * hidden);
  const float* h = a.f32(3, need(hs, hidden));
  float* out = a.f32(5, need(outs, hidden));
  if (a.ok) demure::kernels().gru_gates_forward(gx, gxs, gh, h, hs, out, outs, batch, hidden);
  return info.Env().Undefined();
}

// layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(6), cols = a.i64(7);
  const float* x = a.f32(0, rows * cols);
  const float* g = a.f32(1, cols);
  const float* b = a.f32(2, cols);
  float* y = a.f32(3, rows * cols);
  float* mean = a.f32(4, rows);
  float* rstd = a.f32(5, rows);
  if (a.ok) demure::kernels().layer_norm_forward(x, g, b, y, mean, rstd, rows, cols, static_cast<float>(a.num(8)));
  return info.Env().Undefined();
}

// layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols, accumulateDx)
// (dgamma and dbeta always accumulate)
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t rows = a.i64(8), cols = a.i64(9);
  const float* dy = a.f32(0, rows * cols);
  const float* x = a.f32(1, rows * cols);
  const float* g = a.f32(2, cols);
  const float* mean = a.f32(3, rows);
  const float* rstd = a.f32(4, rows);
  float* dx = a.f32(5, rows * cols);
  float* dg = a.f32(6, cols);
  float* db = a.f32(7, cols);
  if (a.ok) demure::kernels().layer_norm_backward(dy, x, g, mean, rstd, dx, dg, db, rows, cols, a.flag(10));
  return info.Env().Undefined();
}

// dropout(x, y, mask, n, p, seedLo, seedHi)
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(3);
  const float* x = a.f32(0, n);
  float* y = a.f32(1, n);
  float* mask = a.f32(2, n);
  uint64_t seed = (static_cast<uint64_t>(a.i64(6)) << 32) | (static_cast<uint64_t>(a.i64(5)) & 0xffffffffULL);
  if (a.ok) demure::kernels().dropout_forward(x, y, mask, n, static_cast<float>(a.num(4)), seed);
  return info.Env().Undefined();
}

// adam(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, step)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Args a{info};
  int64_t n = a.i64(4);
  float* p = a.f32(0, n);
  const float* g = a.f32(1, n);
  float* m = a.f32(2, n);
  float* v = a.f32(3, n);
  if (a.ok)
    demure::kernels().adam_step(p, g, m, v, n, static_cast<float>(a.num(5)), static_cast<float>(a.num(6)),
                      static_cast<float>(a.num(7)), static_cast<float>(a.num(8)), static_cast<float>(a.num(9)),
                      a.flag(10), static_cast<int>(a.i64(11)));
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("blasLoaded", demure::blas_loaded());
  o.Set("blasError", demure::blas_error());
  o.Set("blas", demure::using_blas());
  o.Set("threads", demure::num_threads());
  o.Set("simd", demure::simd_name());
  std::vector<const char*> names = demure::simd_supported();
  Napi::Array supported = Napi::Array::New(env, names.size());
  for (uint32_t i = 0; i < names.size(); ++i) supported.Set(i, names[i]);
  o.Set("simdSupported", supported);
  if (const char* refused = demure::simd_refused()) o.Set("simdRefused", refused);
  return o;
}

// setSimd(name): switch the kernels' instruction-set variant; false when this
// CPU or build has no such variant.
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  std::string name = info[0].ToString().Utf8Value();
  return Napi::Boolean::New(info.Env(), demure::set_simd(name.c_str()));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  demure::set_num_threads(static_cast<int>(info[0].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}

Napi::Value SetBlas(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), demure::set_use_blas(info[0].ToBoolean().Value()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("unaryBackward", Napi::Function::New(env, UnaryBackward));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("fillRows", Napi::Function::New(env, FillRows));
  exports.Set("axpy", Napi::Function::New(env, Axpy));
  exports.Set("copyRows", Napi::Function::New(env, CopyRows));
  exports.Set("scale", Napi::Function::New(env, Scale));
  exports.Set("mulAccumulate", Napi::Function::New(env, MulAccumulate));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("sumCols", Napi::Function::New(env, SumCols));
  exports.Set("sumMiddle", Napi::Function::New(env, SumMiddle));
  exports.Set("spreadMiddle", Napi::Function::New(env, SpreadMiddle));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("scatterAddRows", Napi::Function::New(env, ScatterAddRows));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward));
  exports.Set("softmaxMasked", Napi::Function::New(env, SoftmaxMasked));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy));
  exports.Set("l2Normalize", Napi::Function::New(env, L2Normalize));
  exports.Set("weightedTerm", Napi::Function::New(env, WeightedTerm));
  exports.Set("weightedTermBackward", Napi::Function::New(env, WeightedTermBackward));
  exports.Set("l2NormalizeBackward", Napi::Function::New(env, L2NormalizeBackward));
  exports.Set("unitSum", Napi::Function::New(env, UnitSum));
  exports.Set("unitSumBackward", Napi::Function::New(env, UnitSumBackward));
  exports.Set("gatheredTerm", Napi::Function::New(env, GatheredTerm));
  exports.Set("gatheredTermBackward", Napi::Function::New(env, GatheredTermBackward));
  exports.Set("bag", Napi::Function::New(env, Bag));
  exports.Set("gruGates", Napi::Function::New(env, GruGates));
  exports.Set("bagBackward", Napi::Function::New(env, BagBackward));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward));
  exports.Set("dropout", Napi::Function::New(env, Dropout));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setBlas", Napi::Function::New(env, SetBlas));
  exports.Set("setSimd", Napi::Function::New(env, SetSimd));
  return exports;
}

}  // namespace

NODE_API_MODULE(demure_native, Init)
