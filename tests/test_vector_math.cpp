// The vectorizable exp behind SoftmaxXent, against libm's exp in long double.
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

}  // namespace
