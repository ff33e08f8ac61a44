// The vectorizable exp (SoftmaxXent, sigmoid, tanh) and erfc (GELU), against libm in long double.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "ops/kernels/vector_math.h"

namespace {

template <class T>
double worst_relative_error(T lowest, T ulps_scale) {
  double worst = 0;
  constexpr int kSamples = 200000;
  for (int i = 0; i <= kSamples; ++i) {
    const T x = lowest * static_cast<T>(i) / static_cast<T>(kSamples);
    const long double reference = std::exp(static_cast<long double>(x));
    const long double got = cgrad::detail::exp_nonpositive(x);
    worst = std::max(worst, static_cast<double>(std::fabs((got - reference) / reference)));
  }
  return worst / static_cast<double>(ulps_scale);
}

TEST(VectorMath, ExpFloatIsWithinTwoUlpsOnItsDomain) {
  EXPECT_LE(worst_relative_error<float>(-87.0f, std::numeric_limits<float>::epsilon()), 2.0);
}

TEST(VectorMath, ExpDoubleIsWithinTwoUlpsOnItsDomain) {
  EXPECT_LE(worst_relative_error<double>(-708.0, std::numeric_limits<double>::epsilon()), 2.0);
}

TEST(VectorMath, ExpIsExactAtZeroAndFlushesBelowTheNormalRange) {
  EXPECT_EQ(cgrad::detail::exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(cgrad::detail::exp_nonpositive(0.0), 1.0);
  EXPECT_EQ(cgrad::detail::exp_nonpositive(-1e4f), 0.0f);
  EXPECT_EQ(cgrad::detail::exp_nonpositive(-1e300), 0.0);
  EXPECT_EQ(cgrad::detail::exp_nonpositive(-std::numeric_limits<double>::infinity()), 0.0);
}

TEST(VectorMath, ExpPropagatesNaN) {
  EXPECT_TRUE(std::isnan(cgrad::detail::exp_nonpositive(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(cgrad::detail::exp_nonpositive(std::numeric_limits<double>::quiet_NaN())));
}

// erfc_float against erfc in long double, relative to the result, over the whole range where
// the result is a normal float (erfc(9.1) ≈ 4e-38), both signs, in steps of 2^-12. The worst
// measured is 3.0 ulp, near x = 7.8.
TEST(VectorMath, ErfcFloatIsWithinFiveUlpsWhereItsResultIsNormal) {
  double worst = 0;
  float worst_at = 0;
  for (int i = -4 * 4096; i <= 9 * 4096; ++i) {
    const float x = static_cast<float>(i) / 4096.0f;
    const long double reference = std::erfc(static_cast<long double>(x));
    const long double got = cgrad::detail::erfc_float(x);
    const double error = static_cast<double>(std::fabs((got - reference) / reference));
    if (error > worst) worst = error, worst_at = x;
  }
  EXPECT_LE(worst / std::numeric_limits<float>::epsilon(), 5.0) << "at x = " << worst_at;
}

// The Gaussian erfc_and_gaussian_float gives with erfc (GELU's density) against exp(-x²) in
// long double, relative, where the result is a normal float (|x| < 9.3), in steps of 2^-12.
// z = |x| itself is exact here, so this is the error of the two exp factors alone.
TEST(VectorMath, GaussianBesideErfcIsWithinFourUlpsWhereItsResultIsNormal) {
  double worst = 0;
  float worst_at = 0;
  for (int i = -9 * 4096; i <= 9 * 4096; ++i) {
    const float x = static_cast<float>(i) / 4096.0f;
    const long double reference = std::exp(-static_cast<long double>(x) * x);
    const long double got = cgrad::detail::erfc_and_gaussian_float(x).gaussian;
    const double error = static_cast<double>(std::fabs((got - reference) / reference));
    if (error > worst) worst = error, worst_at = x;
  }
  EXPECT_LE(worst / std::numeric_limits<float>::epsilon(), 4.0) << "at x = " << worst_at;
  EXPECT_EQ(cgrad::detail::erfc_and_gaussian_float(20.0f).gaussian, 0.0f);
  EXPECT_EQ(cgrad::detail::erfc_and_gaussian_float(-std::numeric_limits<float>::infinity()).gaussian, 0.0f);
}

TEST(VectorMath, ErfcFloatAtTheEdges) {
  EXPECT_EQ(cgrad::detail::erfc_float(std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(cgrad::detail::erfc_float(-std::numeric_limits<float>::infinity()), 2.0f);
  EXPECT_EQ(cgrad::detail::erfc_float(20.0f), 0.0f);
  EXPECT_EQ(cgrad::detail::erfc_float(-20.0f), 2.0f);
  EXPECT_TRUE(std::isnan(cgrad::detail::erfc_float(std::numeric_limits<float>::quiet_NaN())));
}

// tanh_float against tanh in long double, in ulps of the result (the spacing of floats at
// the reference), over [-12, 12] in steps of 2^-14 and at the smallest magnitudes. A sweep
// of every float in [0, 12] measured 5.6 ulp at worst, near x = 7.4.
double ulps_from(float got, long double reference) {
  const float nearest = static_cast<float>(reference);
  const float above = std::nextafter(std::fabs(nearest), std::numeric_limits<float>::infinity());
  const long double spacing = static_cast<long double>(above) - std::fabs(static_cast<long double>(nearest));
  return static_cast<double>(std::fabs(static_cast<long double>(got) - reference) / spacing);
}

TEST(VectorMath, TanhFloatIsWithinSixUlps) {
  double worst = 0;
  float worst_at = 0;
  for (int i = -12 * 16384; i <= 12 * 16384; ++i) {
    const float x = static_cast<float>(i) / 16384.0f;
    const double error = ulps_from(cgrad::detail::tanh_float(x), std::tanh(static_cast<long double>(x)));
    if (error > worst) worst = error, worst_at = x;
  }
  for (float x = std::numeric_limits<float>::denorm_min(); x < 1e-3f; x *= 2.0f) {
    EXPECT_LE(ulps_from(cgrad::detail::tanh_float(x), std::tanh(static_cast<long double>(x))), 1.0) << "at x = " << x;
  }
  EXPECT_LE(worst, 6.0) << "at x = " << worst_at;
}

TEST(VectorMath, TanhFloatAtTheEdges) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(cgrad::detail::tanh_float(inf), 1.0f);
  EXPECT_EQ(cgrad::detail::tanh_float(-inf), -1.0f);
  EXPECT_EQ(cgrad::detail::tanh_float(100.0f), 1.0f);
  EXPECT_EQ(cgrad::detail::tanh_float(0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(cgrad::detail::tanh_float(-0.0f)));
  EXPECT_EQ(cgrad::detail::tanh_float(-1e-30f), -1e-30f);
  EXPECT_TRUE(std::isnan(cgrad::detail::tanh_float(std::numeric_limits<float>::quiet_NaN())));
}

// exp_anywhere (the Exp op's forward) over its whole finite range, against long double.
template <class T>
double exp_anywhere_worst_ulps(T lowest, T highest) {
  double worst = 0;
  constexpr int kSamples = 200000;
  for (int i = 0; i <= kSamples; ++i) {
    const T x = lowest + (highest - lowest) * static_cast<T>(i) / static_cast<T>(kSamples);
    const long double reference = std::exp(static_cast<long double>(x));
    const long double got = cgrad::detail::exp_anywhere(x);
    worst = std::max(worst, static_cast<double>(std::fabs((got - reference) / reference)));
  }
  return worst / static_cast<double>(std::numeric_limits<T>::epsilon());
}

TEST(VectorMath, ExpAnywhereIsWithinTwoUlpsOverItsRange) {
  EXPECT_LE(exp_anywhere_worst_ulps<float>(-87.0f, 88.7f), 2.0);
  EXPECT_LE(exp_anywhere_worst_ulps<double>(-708.0, 709.7), 2.0);
}

TEST(VectorMath, ExpAnywhereOverflowsToInfinityAndKeepsNaN) {
  EXPECT_EQ(cgrad::detail::exp_anywhere(89.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(cgrad::detail::exp_anywhere(710.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(cgrad::detail::exp_anywhere(-1e4f), 0.0f);
  EXPECT_TRUE(std::isnan(cgrad::detail::exp_anywhere(std::numeric_limits<float>::quiet_NaN())));
}

}  // namespace
