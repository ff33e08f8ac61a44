// Extreme but finite inputs give finite, accurate results wherever the true result is
// finite: SoftmaxXent on logits of +-1e4 and +-1e300, L2Reg on values whose squares
// overflow or underflow, and the GEMM on huge and tiny entries (against long double).
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "cgrad.h"
#include "ops/kernels/gemm.h"

namespace cgrad {
namespace {

// ---- SoftmaxXent ----

// Each row holds `big` in some columns and -big in the others. With max m and label y,
// the row's loss is (m - s[y]) + log(#columns at m), and p is 1/#max at the maxima.
template <Real T>
void check_softmax_xent_on_extreme_logits(T big) {
  SCOPED_TRACE(fmt::format("{} logits +-{}", dtype_name<T>(), big));
  const std::vector<std::vector<int>> signs = {{1, -1, -1}, {-1, 1, 1}, {-1, -1, 1}, {1, 1, 1}};
  const std::vector<std::int32_t> labels = {0, 0, 1, 2};
  Tensor<T> scores(signs.size(), 3);
  for (std::size_t r = 0; r < signs.size(); ++r)
    for (std::size_t c = 0; c < 3; ++c) scores(r, c) = static_cast<T>(signs[r][c]) * big;
  Parameter<T> s("scores", scores);
  Graph<T> graph;
  Var<T> loss = softmax_xent(graph.param(s), labels);
  graph.backward(loss);

  const long double m = static_cast<long double>(signs.size());
  long double expected_loss = 0;
  for (std::size_t r = 0; r < signs.size(); ++r) {
    int at_max = 0;
    for (int sign : signs[r]) at_max += sign == 1;
    expected_loss += (signs[r][labels[r]] == 1 ? 0.0L : 2.0L * big) + std::log(static_cast<long double>(at_max));
    for (std::size_t c = 0; c < 3; ++c) {
      const long double p = signs[r][c] == 1 ? 1.0L / at_max : 0.0L;
      const long double expected = (p - (static_cast<std::int32_t>(c) == labels[r] ? 1 : 0)) / m;
      ASSERT_TRUE(std::isfinite(s.grad()(r, c))) << "grad at " << r << "," << c;
      EXPECT_NEAR(s.grad()(r, c), static_cast<double>(expected), 4 * std::numeric_limits<T>::epsilon())
          << "grad at " << r << "," << c;
    }
  }
  expected_loss /= m;
  ASSERT_TRUE(std::isfinite(loss.item()));
  EXPECT_NEAR(loss.item(), static_cast<double>(expected_loss),
              8 * std::numeric_limits<T>::epsilon() * static_cast<double>(expected_loss));
}

TEST(NumericalStability, SoftmaxXentOnLogitsOf1e4) {
  check_softmax_xent_on_extreme_logits<float>(1e4f);
  check_softmax_xent_on_extreme_logits<double>(1e4);
}

TEST(NumericalStability, SoftmaxXentOnLogitsOf1e300) { check_softmax_xent_on_extreme_logits<double>(1e300); }

TEST(NumericalStability, SoftmaxXentOnTheLargestFloats) {
  // +-max/4: differences of logits stay finite, so must the loss.
  check_softmax_xent_on_extreme_logits<float>(std::numeric_limits<float>::max() / 4);
  check_softmax_xent_on_extreme_logits<double>(std::numeric_limits<double>::max() / 4);
}

// ---- L2Reg ----

// 0.5 * lambda * sum(w^2) in long double (x87: 15-bit exponent, so no over- or underflow).
template <Real T>
long double reference_l2(const Tensor<T>& w, long double lambda) {
  long double sum = 0;
  for (T x : w.span()) sum += static_cast<long double>(x) * static_cast<long double>(x);
  return 0.5L * lambda * sum;
}

// Magnitudes in [1,2) * scale with random signs.
template <Real T>
Tensor<T> scaled_values(std::size_t rows, std::size_t cols, T scale, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> magnitude(1.0, 2.0);
  Tensor<T> t(rows, cols);
  for (T& v : t.span()) v = static_cast<T>(magnitude(engine) * (engine() % 2 ? -1 : 1)) * scale;
  return t;
}

template <Real T>
void check_l2_reg(T scale, T lambda) {
  SCOPED_TRACE(fmt::format("{} values ~{} lambda {}", dtype_name<T>(), scale, lambda));
  Parameter<T> w("W", scaled_values<T>(3, 5, scale, 7));
  Graph<T> graph;
  Var<T> loss = l2_reg(graph.param(w), lambda);
  const long double expected = reference_l2(w.value(), lambda);
  ASSERT_GT(expected, static_cast<long double>(std::numeric_limits<T>::min())) << "the case must be representable";
  ASSERT_LT(expected, static_cast<long double>(std::numeric_limits<T>::max()));
  ASSERT_TRUE(std::isfinite(loss.item())) << loss.item();
  EXPECT_NEAR(static_cast<long double>(loss.item()) / expected, 1.0L, 16 * std::numeric_limits<T>::epsilon())
      << "loss " << loss.item() << " expected " << static_cast<double>(expected);
  graph.backward(loss);
  for (std::size_t i = 0; i < w.value().size(); ++i) {
    const long double grad = static_cast<long double>(lambda) * w.value()[i];
    EXPECT_NEAR(static_cast<long double>(w.grad()[i]) / grad, 1.0L, 2 * std::numeric_limits<T>::epsilon());
  }
}

TEST(NumericalStability, L2RegOnValuesWhoseSquaresOverflow) {
  check_l2_reg<double>(1e155, 1e-4);  // every w^2 ~ 1e310 overflows; the loss is ~1e307
  check_l2_reg<double>(1e154, 1e-3);  // the sum of squares overflows; the loss is ~1e306
  check_l2_reg<double>(1e200, 1e-100);
  check_l2_reg<float>(1e30f, 1e-30f);  // w^2 ~ 1e60 overflows f32; the loss is ~1e31
}

TEST(NumericalStability, L2RegOnValuesWhoseSquaresUnderflow) {
  check_l2_reg<double>(1e-160, 1e20);  // w^2 ~ 1e-320 is subnormal: digits lost
  check_l2_reg<double>(1e-170, 1e40);  // w^2 ~ 1e-340 flushes to 0
  check_l2_reg<float>(1e-25f, 1e20f);  // w^2 ~ 1e-50 flushes to 0 in f32
}

TEST(NumericalStability, L2RegOrdinaryValuesAreUnchanged) {
  check_l2_reg<double>(1.0, 1e-3);
  check_l2_reg<float>(1.0f, 1e-3f);
  Graph<double> graph;
  EXPECT_EQ(l2_reg(graph.input(Tensor<double>(2, 3)), 1.0).item(), 0.0);  // all zeros: exactly 0
}

// ---- GEMM ----

// C = op(A) . op(B) with entries of magnitude [1,2) * a_scale and * b_scale, compared with a
// long double product: finite, and within k * eps of sum |a*b| plus subnormal rounding.
template <class T>
void check_gemm(std::size_t m, std::size_t n, std::size_t k, T a_scale, T b_scale) {
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      SCOPED_TRACE(fmt::format("{}x{}x{} a~{} b~{} ta={} tb={}", m, n, k, a_scale, b_scale, ta, tb));
      const Tensor<T> a = ta ? scaled_values<T>(k, m, a_scale, 11) : scaled_values<T>(m, k, a_scale, 11);
      const Tensor<T> b = tb ? scaled_values<T>(n, k, b_scale, 12) : scaled_values<T>(k, n, b_scale, 12);
      Tensor<T> c(m, n);
      gemm<T>({m, n, k}, {.a = a.data(), .lda = a.cols(), .transpose_a = ta, .b = b.data(), .ldb = b.cols(),
                          .transpose_b = tb, .c = c.data(), .ldc = n});
      for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          long double expected = 0, magnitude = 0;
          for (std::size_t p = 0; p < k; ++p) {
            const long double x = ta ? a(p, i) : a(i, p);
            const long double y = tb ? b(j, p) : b(p, j);
            expected += x * y;
            magnitude += std::abs(x * y);
          }
          ASSERT_TRUE(std::isfinite(c(i, j))) << "at " << i << "," << j << ": " << c(i, j);
          const long double bound = 2 * k * std::numeric_limits<T>::epsilon() * magnitude +
                                    k * static_cast<long double>(std::numeric_limits<T>::denorm_min());
          ASSERT_LE(std::abs(c(i, j) - expected), bound) << "at " << i << "," << j;
        }
      }
    }
  }
}

TEST(NumericalStability, GemmOnHugeValues) {
  check_gemm<double>(3, 4, 5, 1e150, 1e150);  // products ~1e300, sums below max
  check_gemm<double>(17, 9, 33, 1e152, 1e150);
  check_gemm<float>(3, 4, 5, 1e18f, 1e18f);  // products ~1e36
}

TEST(NumericalStability, GemmOnTinyValues) {
  check_gemm<double>(3, 4, 5, 1e-150, 1e-150);  // products ~1e-300, still normal
  check_gemm<double>(3, 4, 5, 1e-160, 1e-150);  // products ~1e-310: subnormal
  check_gemm<float>(3, 4, 5, 1e-18f, 1e-18f);
  check_gemm<float>(3, 4, 5, 1e-21f, 1e-20f);  // products ~1e-41: subnormal
}

TEST(NumericalStability, GemmOnHugeTimesTiny) {
  check_gemm<double>(17, 9, 33, 1e200, 1e-200);
  check_gemm<float>(17, 9, 33, 1e30f, 1e-30f);
}

}  // namespace
}  // namespace cgrad
