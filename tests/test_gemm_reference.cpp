// cgrad::gemm against a naive triple loop in double: every transpose combination,
// overwrite and accumulate, odd sizes, padded leading dimensions, float and double, and
// bit-identical results for one and two threads above the parallel cutoff.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include "ops/kernels/gemm.h"

namespace cgrad {
namespace {

// A row-major matrix in a plain buffer with a leading dimension of at least `cols`;
// padding holds a sentinel so reads or writes outside the matrix show up.
template <class T>
struct Matrix {
  std::size_t rows, cols, ld;
  std::vector<T> data;
  Matrix(std::size_t rows_, std::size_t cols_, std::size_t padding, T fill)
      : rows(rows_), cols(cols_), ld(cols_ + padding), data(rows_ * ld, fill) {}
  T& at(std::size_t r, std::size_t c) { return data[r * ld + c]; }
  const T& at(std::size_t r, std::size_t c) const { return data[r * ld + c]; }
};

template <class T>
Matrix<T> random_matrix(std::size_t rows, std::size_t cols, std::size_t padding, std::mt19937_64& engine) {
  // NaN padding: a kernel that reads it poisons its result.
  Matrix<T> m(rows, cols, padding, std::numeric_limits<T>::quiet_NaN());
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) m.at(r, c) = static_cast<T>(uniform(engine));
  return m;
}

struct Case {
  std::size_t m, n, k;
  bool transpose_a, transpose_b, accumulate;
  std::size_t padding;
};

template <class T>
void check_against_naive(const Case& c, std::uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "m=" << c.m << " n=" << c.n << " k=" << c.k << " ta=" << c.transpose_a
                                  << " tb=" << c.transpose_b << " acc=" << c.accumulate << " pad=" << c.padding);
  std::mt19937_64 engine(seed);
  // op(A) is m x k: A is stored k x m when transposed.
  const Matrix<T> a = c.transpose_a ? random_matrix<T>(c.k, c.m, c.padding, engine)
                                    : random_matrix<T>(c.m, c.k, c.padding, engine);
  const Matrix<T> b = c.transpose_b ? random_matrix<T>(c.n, c.k, c.padding + 1, engine)
                                    : random_matrix<T>(c.k, c.n, c.padding + 1, engine);
  Matrix<T> out = random_matrix<T>(c.m, c.n, c.padding + 2, engine);
  const T sentinel = T(12345);
  for (std::size_t r = 0; r < c.m; ++r)
    for (std::size_t j = c.n; j < out.ld; ++j) out.at(r, j) = sentinel;
  if (!c.accumulate)  // overwrite must never read C
    for (std::size_t r = 0; r < c.m; ++r)
      for (std::size_t j = 0; j < c.n; ++j) out.at(r, j) = std::numeric_limits<T>::quiet_NaN();
  const Matrix<T> before = out;

  gemm<T>({c.m, c.n, c.k}, {.a = a.data.data(), .lda = a.ld, .transpose_a = c.transpose_a, .b = b.data.data(),
                            .ldb = b.ld, .transpose_b = c.transpose_b, .c = out.data.data(), .ldc = out.ld,
                            .accumulate = c.accumulate});

  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  for (std::size_t i = 0; i < c.m; ++i) {
    for (std::size_t j = 0; j < c.n; ++j) {
      double expected = c.accumulate ? static_cast<double>(before.at(i, j)) : 0.0;
      double magnitude = std::abs(expected);
      for (std::size_t p = 0; p < c.k; ++p) {
        const double x = c.transpose_a ? a.at(p, i) : a.at(i, p);
        const double y = c.transpose_b ? b.at(j, p) : b.at(p, j);
        expected += x * y;
        magnitude += std::abs(x * y);
      }
      ASSERT_NEAR(out.at(i, j), expected, tolerance * (1 + magnitude)) << "at (" << i << "," << j << ")";
    }
    for (std::size_t j = c.n; j < out.ld; ++j) ASSERT_EQ(out.at(i, j), sentinel) << "wrote padding at row " << i;
  }
}

template <class T>
void check_all_combinations(std::size_t m, std::size_t n, std::size_t k, std::size_t padding) {
  std::uint64_t seed = 1;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (bool acc : {false, true}) check_against_naive<T>({m, n, k, ta, tb, acc, padding}, seed++);
}

TEST(Gemm, OneByOneByOne) {
  check_all_combinations<float>(1, 1, 1, 0);
  check_all_combinations<double>(1, 1, 1, 0);
}

TEST(Gemm, OddSizes) {
  check_all_combinations<float>(7, 13, 5, 0);
  check_all_combinations<double>(7, 13, 5, 0);
  check_all_combinations<float>(33, 17, 65, 0);
  check_all_combinations<double>(33, 17, 65, 0);
}

TEST(Gemm, LeadingDimensionsLargerThanRows) {
  check_all_combinations<float>(7, 13, 5, 3);
  check_all_combinations<double>(33, 17, 65, 5);
}

TEST(Gemm, AboveTheParallelCutoff) {
  check_all_combinations<float>(130, 70, 90, 1);
  check_all_combinations<double>(130, 70, 90, 1);
}

TEST(Gemm, ZeroInnerDimensionOverwritesWithZeros) {
  std::vector<double> c(6, std::numeric_limits<double>::quiet_NaN());
  gemm<double>({2, 3, 0}, {.a = nullptr, .lda = 0, .b = nullptr, .ldb = 3, .c = c.data(), .ldc = 3});
  for (double v : c) EXPECT_EQ(v, 0.0);
  std::vector<double> kept(6, 2.0);
  gemm<double>({2, 3, 0}, {.a = nullptr, .lda = 0, .b = nullptr, .ldb = 3, .c = kept.data(), .ldc = 3,
                           .accumulate = true});
  for (double v : kept) EXPECT_EQ(v, 2.0);
}

template <class T>
std::vector<T> product_with_threads(int threads, bool ta, bool tb) {
  const oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                          static_cast<std::size_t>(threads));
  constexpr std::size_t size = 256;
  std::mt19937_64 engine(7);
  const Matrix<T> a = random_matrix<T>(size, size, 0, engine);
  const Matrix<T> b = random_matrix<T>(size, size, 0, engine);
  Matrix<T> c = random_matrix<T>(size, size, 0, engine);
  gemm<T>({size, size, size}, {.a = a.data.data(), .lda = size, .transpose_a = ta, .b = b.data.data(),
                               .ldb = size, .transpose_b = tb, .c = c.data.data(), .ldc = size, .accumulate = true});
  return c.data;
}

template <class T>
void expect_thread_count_independent() {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const std::vector<T> one = product_with_threads<T>(1, ta, tb);
      const std::vector<T> two = product_with_threads<T>(2, ta, tb);
      EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(T)), 0) << "ta=" << ta << " tb=" << tb;
    }
  }
}

TEST(Gemm, OneAndTwoThreadsAreBitIdenticalFloat) { expect_thread_count_independent<float>(); }
TEST(Gemm, OneAndTwoThreadsAreBitIdenticalDouble) { expect_thread_count_independent<double>(); }

}  // namespace
}  // namespace cgrad
