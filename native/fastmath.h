// Fast float versions of exp, log, erf, tanh, sigmoid, gelu and gelu's
// derivative that g++ -O3 auto-vectorises when they are called in a plain
// loop such as `for (i...) y[i] = fastmath::exp(x[i]);`.
//
// What keeps them vectorisable: straight-line code only (both sides of a
// piecewise definition are computed and one is picked with detail::select),
// no libm calls, no data-indexed tables, and bit manipulation done on
// integers obtained with memcpy. With g++ 12 the loop vectorises with or
// without -mavx2 -mfma, -fno-math-errno and -fno-trapping-math; results are
// the same up to FMA contraction (the errors below cover both builds). Do not
// compile with -ffast-math / -ffinite-math-only, which would delete the NaN
// and infinity handling.
//
// Polynomial coefficients are discrete minimax fits (iterated linear
// programming on a dense grid), rounded to float. "Max error" figures were
// measured against double-precision libm on every finite float input, both
// for -O3 -mavx2 -mfma and for plain -O3 (SSE2, no FMA); the larger is quoted.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "isa.h"

#if defined(__GNUC__) || defined(__clang__)
#define DEMURE_FASTMATH_INLINE inline __attribute__((always_inline))
#else
#define DEMURE_FASTMATH_INLINE inline
#endif

namespace demure {
DEMURE_ISA_BEGIN
namespace fastmath {
namespace detail {

DEMURE_FASTMATH_INLINE uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

DEMURE_FASTMATH_INLINE float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// c0 + x*(c1 + x*(c2 + ...)), expanded at compile time into straight-line code.
DEMURE_FASTMATH_INLINE float horner(float, float c0) { return c0; }
template <typename... Cs>
DEMURE_FASTMATH_INLINE float horner(float x, float c0, Cs... cs) {
  return c0 + x * horner(x, cs...);
}

// c ? a : b as a bit mask blend. Both a and b are always computed, so this
// is what a piecewise definition compiles to in vector code anyway; spelling
// it with integer masks lets g++ vectorise even without -fno-trapping-math
// (with trapping math it refuses to if-convert `c ? a : b` on floats).
DEMURE_FASTMATH_INLINE float select(bool c, float a, float b) {
  const uint32_t m = 0u - static_cast<uint32_t>(c);
  return from_bits((bits_of(a) & m) | (bits_of(b) & ~m));
}

constexpr float kLn2Hi = 0.693359375f;      // ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 9 significant
constexpr float kLn2Lo = -2.12194440e-4f;   // bits, so n * kLn2Hi is exact for |n| < 2^15
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace detail

// e^x.
// Method: n = floor(x*log2(e)), r = x - n*ln2 in [0, ln2) (two-constant
// Cody-Waite), e^r = 1 + r*P(r) with P of degree 5 (fit error 2.0e-9), and
// 2^n built directly in the exponent field.
// Max relative error 1.2e-7 over [-87, 88].
// Limits: x < -87.34 (result below FLT_MIN) returns +0, so no subnormals
// are produced; x > 88.72 returns +inf; exp(-inf) = 0, exp(NaN) = NaN.
DEMURE_FASTMATH_INLINE float exp(float x) {
  // The clamp keeps NaN (the comparison is false); -88 gives a zero exponent
  // field below, which makes the result exactly +0.
  const float xr = detail::select(x < -88.0f, -88.0f, x);
  float t = xr * 1.44269504088896341f + 127.0f;  // floor(t) = biased exponent, t >= 0.04
  t = detail::select(t < 254.0f, t, 254.0f);  // caps the exponent and maps NaN to a valid int conversion
  const int32_t k = static_cast<int32_t>(t);  // truncation == floor since t >= 0
  const float n = static_cast<float>(k - 127);
  const float r = (xr - n * detail::kLn2Hi) - n * detail::kLn2Lo;
  const float p = 1.0f + r * detail::horner(r, 0.9999998f, 0.50000584f, 0.16661012f, 0.041915014f,
                                            0.007792238f, 0.0019487889f);
  // k in [0, 254]: 2^(k-127), or +0 when k == 0. Above 88.72 r exceeds ln 2 and
  // p * 2^127 overflows to +inf, as it should.
  return p * detail::from_bits(static_cast<uint32_t>(k) << 23);
}

// Natural logarithm, for x > 0.
// Method: x = 2^e * m with m in [sqrt(1/2), sqrt(2)) taken from the bits
// (subnormals are first scaled by 2^23), f = m - 1,
// log(1+f) = f + f^2*Q(f) with Q of degree 8 (fit error 4.1e-9), and e*ln2 added
// in two parts.
// Max relative error 8.6e-8 over all positive floats, subnormals included.
// log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN.
DEMURE_FASTMATH_INLINE float log(float x) {
  const bool subnormal = x < 1.17549435e-38f;  // also true for x <= 0, fixed up below
  const float xn = detail::select(subnormal, x * 8388608.0f, x);  // * 2^23, exact
  // Adding (bits(1) - bits(sqrt(1/2))) carries into the exponent exactly when
  // the mantissa is >= sqrt(2), so the exponent boundary moves to sqrt(1/2).
  const uint32_t u = detail::bits_of(xn) + (0x3f800000u - 0x3f3504f3u);
  const float e = static_cast<float>(static_cast<int32_t>(u >> 23) - 127) -
                  detail::select(subnormal, 23.0f, 0.0f);
  const float m = detail::from_bits((u & 0x007fffffu) + 0x3f3504f3u);  // [sqrt(1/2), sqrt(2))
  const float f = m - 1.0f;  // exact
  const float q = detail::horner(f, -0.49999988f, 0.33333325f, -0.25001583f, 0.20001973f,
                                 -0.16609083f, 0.14181826f, -0.13242988f, 0.12904435f,
                                 -0.076217785f);
  float r = (f + (f * f * q + e * detail::kLn2Lo)) + e * detail::kLn2Hi;
  r = detail::select(x > 0.0f, r, detail::select(x == 0.0f, -detail::kInf, detail::kNaN));
  return detail::select(x < detail::kInf, r, x);  // +inf stays +inf, NaN stays NaN
}

// Error function.
// Method: on a = |x|, two minimax fits, both evaluated and one selected:
//   a < 1:         erf(a) = a + a*Q(a^2), Q of degree 6 (fit error 5.8e-10);
//   1 <= a < 3.92: erf(a) = 1 - P(a - 2.46), P of degree 12 approximating
//                  erfc (fit error 2.9e-8) -- computing the small erfc and
//                  subtracting it keeps the result accurate close to 1;
//   a >= 3.92:     1 (erf(a) rounds to 1 there).
// Max absolute error 9.9e-8. erf(+-inf) = +-1, erf(NaN) = NaN.
DEMURE_FASTMATH_INLINE float erf(float x) {
  const float a = std::fabs(x);
  const float t = a * a;
  const float small = a + a * detail::horner(t, 0.12837915f, -0.37612605f, 0.112834305f,
                                             -0.026848592f, 0.00517975f, -7.942357e-04f,
                                             7.6471195e-05f);
  const float u = a - 2.46f;
  const float big =
      1.0f - detail::horner(u, 5.0332677e-04f, -0.0026561935f, 0.0065357634f, -0.009832996f,
                            0.009904826f, -0.006797654f, 0.0029635113f, -4.62167e-04f,
                            -3.9113298e-04f, 3.0167538e-04f, -5.1666102e-05f, -2.5420455e-05f,
                            9.12466e-06f);
  float r = detail::select(a < 1.0f, small, big);  // NaN goes to `big`, which is NaN
  r = detail::select(a >= 3.92f, 1.0f, r);
  return std::copysign(r, x);
}

// Hyperbolic tangent.
// Method: on a = |x|:
//   a < 0.625: tanh(a) = a + a^3*P(a^2), P of degree 4 (relative fit error 4.4e-9);
//   otherwise: tanh(a) = 1 - 2/(e^(2a) + 1) with a capped at 10 (tanh rounds
//              to 1 well before), using fastmath::exp.
// Max absolute error 8.6e-8; small |x| keeps full relative
// accuracy (tanh(1e-30) = 1e-30). tanh(+-inf) = +-1, tanh(NaN) = NaN.
DEMURE_FASTMATH_INLINE float tanh(float x) {
  const float a = std::fabs(x);
  const float t = a * a;
  const float small =
      a + a * (t * detail::horner(t, -0.3333328f, 0.13331442f, -0.053739715f, 0.020639088f,
                                  -0.0057049873f));
  const float ac = detail::select(a > 10.0f, 10.0f, a);  // keeps NaN
  const float big = 1.0f - 2.0f / (exp(2.0f * ac) + 1.0f);
  const float r = detail::select(a < 0.625f, small, big);
  return std::copysign(r, x);
}

// Logistic sigmoid 1/(1 + e^-x).
// Method: e = exp(-|x|) in (0, 1] never overflows; sigmoid(|x|) = 1/(1+e) and
// sigmoid(-|x|) = e/(1+e), so large negative x keeps relative accuracy
// (sigmoid(-80) = 1.8e-35, not 0) and nothing is ever inf/inf.
// Max absolute error 8.9e-8. Results below FLT_MIN (x < -87.3) are 0, as
// for exp. sigmoid(-inf) = 0,
// sigmoid(+inf) = 1, sigmoid(NaN) = NaN.
DEMURE_FASTMATH_INLINE float sigmoid(float x) {
  const float e = exp(-std::fabs(x));
  const float r = 1.0f / (1.0f + e);
  return detail::select(x >= 0.0f, r, e * r);
}

// GELU (exact, erf form): 0.5*x*(1 + erf(x/sqrt(2))) = x*Phi(x).
// Max error 1.6e-7 measured as |err| / max(1, |gelu(x)|); in absolute terms
// 5.1e-7, at x ~ 5 where the result itself has an ulp of 4.8e-7. For x < 0 the
// error is erf's absolute error scaled by |x|/2 (worst near x = -5). gelu(+inf) = +inf, gelu(-inf) = -0
// (x is floored at -16, where Phi(x) is already 0 in float), gelu(NaN) = NaN.
DEMURE_FASTMATH_INLINE float gelu(float x) {
  const float xc = detail::select(x < -16.0f, -16.0f, x);  // keeps NaN; avoids -inf * 0
  return xc * (0.5f + 0.5f * erf(xc * 0.70710678118654752f));
}

// d/dx gelu(x) = Phi(x) + x*phi(x), phi(x) = exp(-x^2/2)/sqrt(2*pi).
// Max absolute error 1.5e-7. x is clamped to [-16, 16], where x*phi(x) is
// already 0 in float, so gelu_grad(-inf) = 0, gelu_grad(+inf) = 1.
DEMURE_FASTMATH_INLINE float gelu_grad(float x) {
  float xc = detail::select(x < -16.0f, -16.0f, x);  // both clamps keep NaN
  xc = detail::select(xc > 16.0f, 16.0f, xc);
  const float cdf = 0.5f + 0.5f * erf(xc * 0.70710678118654752f);
  const float pdf = 0.39894228040143268f * exp(-0.5f * xc * xc);
  return cdf + xc * pdf;
}

}  // namespace fastmath
DEMURE_ISA_END
}  // namespace demure

#undef DEMURE_FASTMATH_INLINE
