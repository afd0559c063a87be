// Vectorisable float math for element-wise loops. libm's expf/erff/tanhf are
// scalar calls that stop GCC from vectorising a loop; these are branch-free
// inline polynomials that it turns into SIMD code.
#pragma once
#include <cstdint>
#include <cstring>

namespace demure {
namespace vmath {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// e^x: x = n·ln2 + r with |r| <= ln2/2 (Cody–Waite split of ln2), e^r by a
// degree-6 Taylor polynomial (relative error < 2e-7), 2^n by building the
// float's exponent bits. Inputs are clamped to [-87.3, 88.7] (no inf/NaN out).
inline float exp(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  float t = x * 1.44269504089f;
  int32_t n = static_cast<int32_t>(t + (t >= 0.f ? 0.5f : -0.5f));
  float fn = static_cast<float>(n);
  float r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  float p = 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  return p * bits_to_float((n + 127) << 23);
}

// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7), made odd
// with a sign select.
inline float erf(float x) {
  float a = x < 0.f ? -x : x;
  float t = 1.f / (1.f + 0.3275911f * a);
  float y = 1.061405429f;
  y = y * t - 1.453152027f;
  y = y * t + 1.421413741f;
  y = y * t - 0.284496736f;
  y = y * t + 0.254829592f;
  y = 1.f - y * t * exp(-a * a);
  return x < 0.f ? -y : y;
}

inline float sigmoid(float x) { return 1.f / (1.f + exp(-x)); }

// tanh(x) = 2·sigmoid(2x) − 1, with |x| clamped (tanh(±9) is ±1 in float).
inline float tanh(float x) {
  x = x < -9.f ? -9.f : (x > 9.f ? 9.f : x);
  return 2.f / (1.f + exp(-2.f * x)) - 1.f;
}

// GELU with the exact erf form, and its derivative Φ(x) + x·φ(x).
inline float gelu(float x) { return 0.5f * x * (1.f + erf(x * 0.70710678118654752f)); }
inline float gelu_grad(float x) {
  float cdf = 0.5f * (1.f + erf(x * 0.70710678118654752f));
  return cdf + x * 0.39894228040143268f * exp(-0.5f * x * x);
}

}  // namespace vmath
}  // namespace demure
