// cgrad::gemm against a plain double-precision loop, on every ISA path the CPU has.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <tbb/global_control.h>

#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_dispatch.h"
#include "ops/kernels/gemm_gathered.h"
#include "ops/kernels/gemm_kernel_set.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/kernels/relu_math.h"

namespace cgrad {
namespace {

using detail::GemmIsa;

template <class T>
void expect_same_bits(const std::vector<T>& got, const std::vector<T>& want, const std::string& label);

struct Case {
  std::size_t m, n, k;
  bool ta, tb, accumulate;
  std::size_t pad;  // extra elements per row beyond the logical width
};

template <class T>
struct Problem {
  Case cs;
  std::vector<T> a, b, c;
  std::size_t lda, ldb, ldc;

  explicit Problem(const Case& c_, unsigned seed) : cs(c_) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    const std::size_t a_rows = cs.ta ? cs.k : cs.m, a_cols = cs.ta ? cs.m : cs.k;
    const std::size_t b_rows = cs.tb ? cs.n : cs.k, b_cols = cs.tb ? cs.k : cs.n;
    lda = a_cols + cs.pad;
    ldb = b_cols + cs.pad;
    ldc = cs.n + cs.pad;
    a.resize(a_rows * lda);
    b.resize(b_rows * ldb);
    c.resize(cs.m * ldc);
    for (auto& v : a) v = static_cast<T>(dist(rng));
    for (auto& v : b) v = static_cast<T>(dist(rng));
    for (auto& v : c) v = static_cast<T>(dist(rng));
  }

  T a_at(std::size_t i, std::size_t p) const { return cs.ta ? a[p * lda + i] : a[i * lda + p]; }
  T b_at(std::size_t p, std::size_t j) const { return cs.tb ? b[j * ldb + p] : b[p * ldb + j]; }

  std::vector<T> run(const T* bias = nullptr, bool relu = false) const {
    std::vector<T> out = c;
    if (!cs.accumulate) {
      // The old contents must never be read: poison them.
      for (std::size_t i = 0; i < cs.m; ++i) {
        for (std::size_t j = 0; j < cs.n; ++j) out[i * ldc + j] = std::nan("");
      }
    }
    gemm<T>({cs.m, cs.n, cs.k},
            {a.data(), lda, cs.ta, b.data(), ldb, cs.tb, out.data(), ldc, cs.accumulate, bias, relu});
    return out;
  }

  // C(i, j) in double, and the sum of the magnitudes of its terms.
  double reference(std::size_t i, std::size_t j, double& abs_sum) const {
    double want = cs.accumulate ? double(c[i * ldc + j]) : 0.0;
    abs_sum = std::abs(want);
    for (std::size_t p = 0; p < cs.k; ++p) {
      want += double(a_at(i, p)) * double(b_at(p, j));
      abs_sum += std::abs(double(a_at(i, p)) * double(b_at(p, j)));
    }
    return want;
  }

  // The error bound of a computed sum of products in T: |computed - exact| <= gamma_n * the
  // sum of its terms' magnitudes, gamma_n = n u / (1 - n u) with u T's unit roundoff (Higham,
  // Accuracy and Stability of Numerical Algorithms, 3.1), for n terms in any order, fused or
  // not: k products, plus C's old value when accumulating. Twice that, because the
  // double-precision reference has an error of the same form (for double, the same size).
  double tolerance(double abs_sum) const {
    const double u = std::numeric_limits<T>::epsilon() / 2;
    const double n = double(cs.k) + (cs.accumulate ? 1.0 : 0.0);
    return 2 * (n * u / (1 - n * u)) * abs_sum;
  }

  void expect_matches(const std::vector<T>& got, const std::string& label) const {
    for (std::size_t i = 0; i < cs.m; ++i) {
      for (std::size_t j = 0; j < cs.n; ++j) {
        double abs_sum = 0;
        const double want = reference(i, j, abs_sum);
        ASSERT_NEAR(double(got[i * ldc + j]), want, tolerance(abs_sum))
            << label << " at (" << i << ", " << j << ")";
      }
      // Padding past the logical width must be untouched.
      for (std::size_t j = cs.n; j < ldc; ++j) {
        ASSERT_EQ(got[i * ldc + j], c[i * ldc + j]) << label << " wrote padding";
      }
    }
  }
};

std::vector<Case> shapes() {
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> mnk = {
      {1, 1, 1},     {1, 7, 3},      {5, 1, 9},      {17, 33, 65},   {33, 17, 5},
      {64, 64, 64},  {100, 3, 300},  {300, 100, 2},  {300, 3, 100},  {2, 100, 300},
      {300, 100, 3}, {65, 129, 257}, {130, 37, 600}, {31, 500, 40},  {257, 260, 33},
      {3, 3, 1000},  {1, 300, 300},  {300, 1, 300},  {96, 200, 512}, {47, 47, 0},
      {2, 2000, 300}, {1200, 3, 300}, {40, 3000, 10}, {1400, 64, 64}, {300, 129, 600}, {257, 65, 257}};
  std::vector<Case> out;
  std::size_t variant = 0;
  for (auto [m, n, k] : mnk) {
    for (int t = 0; t < 4; ++t) {
      for (bool acc : {false, true}) {
        out.push_back({m, n, k, (t & 1) != 0, (t & 2) != 0, acc, (variant++ % 3) * 3});
      }
    }
  }
  return out;
}

std::string describe(const Case& c) {
  return std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
         (c.ta ? " At" : " A") + (c.tb ? " Bt" : " B") + (c.accumulate ? " +=" : " =") +
         " pad " + std::to_string(c.pad);
}

class GemmPath : public ::testing::TestWithParam<GemmIsa> {
 protected:
  void SetUp() override {
    if (!detail::gemm_isa_supported(GetParam())) GTEST_SKIP() << "CPU lacks this ISA";
    detail::set_gemm_isa(GetParam());
  }
  void TearDown() override { detail::set_gemm_isa(GemmIsa::automatic); }
};

template <class T>
void check_all_shapes() {
  unsigned seed = 1;
  for (const Case& c : shapes()) {
    const Problem<T> problem(c, seed++);
    problem.expect_matches(problem.run(), describe(c));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// The list must keep shapes on both paths, packed ones with edge tiles and kc blocks among
// them, whatever direct_suits decides (it moved 64^3, 65x129x257 and 96x200x512 to the
// direct path).
TEST_P(GemmPath, ShapesCoverBothPaths) {
  std::size_t packed = 0, direct = 0;
  for (const Case& c : shapes()) (detail::gemm_takes_packed_path<float>({c.m, c.n, c.k}, c.ta, c.tb) ? packed : direct)++;
  EXPECT_GE(packed, 12u);
  EXPECT_GE(direct, 12u);
}

TEST_P(GemmPath, MatchesNaiveAllTransposesFloat) { check_all_shapes<float>(); }
TEST_P(GemmPath, MatchesNaiveAllTransposesDouble) { check_all_shapes<double>(); }

// n values uniform in [-1, 1) from `seed` (a bias for a product's n columns, an operand).
template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
  std::vector<T> values(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (auto& v : values) v = static_cast<T>(dist(rng));
  return values;
}

// A bias is added after the product (every path: packed, its edge tiles and kc blocks, and
// the three direct forms): the same bits as the product without it plus a separate
// addition, and the padding past each row untouched.
template <class T>
void check_bias_after_product() {
  unsigned seed = 100;
  for (const Case& c : shapes()) {
    if (c.accumulate) continue;
    const Problem<T> problem(c, seed++);
    std::vector<T> bias = random_values<T>(c.n, seed);
    std::vector<T> want = problem.run();
    for (std::size_t i = 0; i < c.m; ++i) {
      for (std::size_t j = 0; j < c.n; ++j) want[i * problem.ldc + j] += bias[j];
    }
    expect_same_bits(problem.run(bias.data()), want, "bias " + describe(c));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST_P(GemmPath, BiasAddsAfterTheProductFloat) { check_bias_after_product<float>(); }
TEST_P(GemmPath, BiasAddsAfterTheProductDouble) { check_bias_after_product<double>(); }

// With relu the ReLU of the result is stored, on the same paths: the same bits as the
// result with relu_value applied afterwards, with a bias and without. The bias holds a NaN
// (its column must stay NaN, not 0) and a -0 (a k = 0 product stores it, and it must stay
// -0, as the ReLU op keeps it).
template <class T>
void check_relu_after_bias() {
  unsigned seed = 200;
  for (const Case& c : shapes()) {
    if (c.accumulate) continue;
    const Problem<T> problem(c, seed++);
    std::vector<T> bias = random_values<T>(c.n, seed);
    bias[0] = T(-0.0);
    if (c.n > 2) bias[c.n / 2] = std::numeric_limits<T>::quiet_NaN();
    for (const T* b : {static_cast<const T*>(nullptr), static_cast<const T*>(bias.data())}) {
      std::vector<T> want = problem.run(b);
      for (std::size_t i = 0; i < c.m; ++i) {
        for (std::size_t j = 0; j < c.n; ++j) want[i * problem.ldc + j] = detail::relu_value(want[i * problem.ldc + j]);
      }
      expect_same_bits(problem.run(b, true), want, (b ? "relu, bias " : "relu ") + describe(c));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST_P(GemmPath, ReluAfterBiasFloat) { check_relu_after_bias<float>(); }
TEST_P(GemmPath, ReluAfterBiasDouble) { check_relu_after_bias<double>(); }

TEST(Gemm, RejectsReluWithAccumulate) {
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, 0.0f);
  EXPECT_THROW(gemm<float>({2, 2, 2}, {a.data(), 2, false, b.data(), 2, false, c.data(), 2, true, nullptr, true}),
               std::invalid_argument);
}

TEST(Gemm, RejectsABiasWithAccumulate) {
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, 0.0f), bias(2, 1.0f);
  EXPECT_THROW(gemm<float>({2, 2, 2}, {a.data(), 2, false, b.data(), 2, false, c.data(), 2, true, bias.data()}),
               std::invalid_argument);
}

// The tolerance must be tight enough to see a wrong result: with every term of a k = 1000
// product computed but one left out, the entry must fall outside it, for the largest term
// and for the median one (the old tolerance, 4e-6 (k + 2) sum|ab| in float, about 1.0 here,
// let both through).
template <class T>
void check_tolerance_catches_a_dropped_term() {
  for (const Case& c : {Case{3, 3, 1000, false, false, false, 0}, Case{3, 3, 1000, true, false, true, 2}}) {
    const Problem<T> problem(c, 3);
    const std::vector<T> got = problem.run();
    problem.expect_matches(got, describe(c));
    for (std::size_t i = 0; i < c.m; ++i) {
      for (std::size_t j = 0; j < c.n; ++j) {
        std::vector<double> terms;
        for (std::size_t p = 0; p < c.k; ++p) terms.push_back(double(problem.a_at(i, p)) * double(problem.b_at(p, j)));
        std::sort(terms.begin(), terms.end(), [](double x, double y) { return std::abs(x) < std::abs(y); });
        double abs_sum = 0;
        const double want = problem.reference(i, j, abs_sum);
        for (const double dropped : {terms.back(), terms[terms.size() / 2]}) {
          const T corrupted = static_cast<T>(double(got[i * problem.ldc + j]) - dropped);
          EXPECT_GT(std::abs(double(corrupted) - want), problem.tolerance(abs_sum))
              << describe(c) << " at (" << i << ", " << j << "): dropping a term of " << dropped
              << " goes unnoticed";
        }
      }
    }
  }
}

TEST(GemmTolerance, CatchesOneDroppedProductTermFloat) { check_tolerance_catches_a_dropped_term<float>(); }
TEST(GemmTolerance, CatchesOneDroppedProductTermDouble) { check_tolerance_catches_a_dropped_term<double>(); }

template <class T>
void check_thread_independence() {
  const std::vector<Case> cases = {{1024, 1024, 300, false, false, false, 0},
                                   {517, 263, 700, true, true, true, 5},
                                   {192, 600, 300, true, false, true, 3},  // direct, 3 x 3 blocks
                                   {300, 100, 2, false, false, false, 0},
                                   {2, 2000, 600, false, true, false, 0},
                                   {100, 3, 30000, true, false, true, 0},
                                   {20000, 100, 3, false, true, false, 1}};
  for (const Case& c : cases) {
    const Problem<T> problem(c, 7);
    std::vector<T> one, two;
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
      one = problem.run();
    }
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
      two = problem.run();
    }
    ASSERT_EQ(one.size(), two.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      // Bit-identical: compare representations, not values.
      ASSERT_EQ(0, std::memcmp(&one[i], &two[i], sizeof(T))) << describe(c) << " at " << i;
    }
  }
}

TEST_P(GemmPath, BitIdenticalForOneAndTwoThreadsFloat) { check_thread_independence<float>(); }
TEST_P(GemmPath, BitIdenticalForOneAndTwoThreadsDouble) { check_thread_independence<double>(); }

// gemm_gathered reads X(r, p) = x[x_rows[r] + x_depths[p]] and Y(p, j) = y[y_depths[p] + j]
// through its tables: the same bits as gemm on those matrices written out (shapes on
// gemm's row-form path, so both run the same chains), with a row bias, with accumulate,
// and split over blocks in parallel (70 x 600 x 40). The tables overlap rows the way a
// convolution's shifted planes do (neighbouring rows 1 element apart).
template <class T>
void check_gathered_matches_gemm() {
  struct GatheredCase {
    std::size_t rows, cols, depth;
    bool accumulate, bias;
  };
  const std::vector<GatheredCase> cases = {
      {5, 40, 7, false, false}, {9, 70, 20, false, true}, {9, 70, 20, true, false}, {70, 600, 40, false, true}};
  unsigned seed = 31;
  for (const GatheredCase& c : cases) {
    const std::string label = std::to_string(c.rows) + "x" + std::to_string(c.cols) + "x" + std::to_string(c.depth) +
                              (c.accumulate ? " accumulate" : "") + (c.bias ? " bias" : "");
    std::vector<std::size_t> x_rows(c.rows), x_depths(c.depth), y_depths(c.depth);
    for (std::size_t r = 0; r < c.rows; ++r) x_rows[r] = r / 3 * 50 + r % 3;  // runs of 3 rows one apart
    for (std::size_t p = 0; p < c.depth; ++p) x_depths[p] = p + p / 4;      // gaps, as a plane's lines
    for (std::size_t p = 0; p < c.depth; ++p) y_depths[p] = p / 2 * (c.cols + 3) + p % 2 * 2;
    const std::vector<T> x = random_values<T>(x_rows.back() + x_depths.back() + 1, seed++);
    const std::vector<T> y = random_values<T>(y_depths.back() + c.cols, seed++);
    const std::vector<T> bias = random_values<T>(c.rows, seed++), start = random_values<T>(c.rows * c.cols, seed++);
    std::vector<T> a(c.rows * c.depth), b(c.depth * c.cols);
    for (std::size_t r = 0; r < c.rows; ++r)
      for (std::size_t p = 0; p < c.depth; ++p) a[r * c.depth + p] = x[x_rows[r] + x_depths[p]];
    for (std::size_t p = 0; p < c.depth; ++p)
      for (std::size_t j = 0; j < c.cols; ++j) b[p * c.cols + j] = y[y_depths[p] + j];
    std::vector<T> want = start, got = start;
    gemm<T>({c.rows, c.cols, c.depth}, {.a = a.data(), .lda = c.depth, .b = b.data(), .ldb = c.cols,
                                        .c = want.data(), .ldc = c.cols, .accumulate = c.accumulate});
    if (c.bias)
      for (std::size_t r = 0; r < c.rows; ++r)
        for (std::size_t j = 0; j < c.cols; ++j) want[r * c.cols + j] += bias[r];
    gemm_gathered<T>({.rows = c.rows, .cols = c.cols, .depth = c.depth, .x = x.data(), .x_rows = x_rows.data(),
                      .x_depths = x_depths.data(), .y = y.data(), .y_depths = y_depths.data(), .c = got.data(),
                      .ldc = c.cols, .accumulate = c.accumulate, .row_bias = c.bias ? bias.data() : nullptr});
    expect_same_bits(got, want, "gathered " + label);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST_P(GemmPath, GatheredMatchesGemmOnTheMatricesFloat) { check_gathered_matches_gemm<float>(); }
TEST_P(GemmPath, GatheredMatchesGemmOnTheMatricesDouble) { check_gathered_matches_gemm<double>(); }

TEST(Gemm, GatheredRejectsABiasWithAccumulate) {
  const float one = 1.0f;
  const std::size_t zero = 0;
  float out = 0.0f;
  EXPECT_THROW(gemm_gathered<float>({.rows = 1, .cols = 1, .depth = 1, .x = &one, .x_rows = &zero, .x_depths = &zero,
                                     .y = &one, .y_depths = &zero, .c = &out, .ldc = 1, .accumulate = true,
                                     .row_bias = &one}),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Gemm, GemmPath,
                         ::testing::Values(GemmIsa::portable, GemmIsa::avx2, GemmIsa::avx512),
                         [](const ::testing::TestParamInfo<GemmIsa>& info) {
                           switch (info.param) {
                             case GemmIsa::portable: return std::string("Portable");
                             case GemmIsa::avx2: return std::string("Avx2");
                             case GemmIsa::avx512: return std::string("Avx512");
                             default: return std::string("Automatic");
                           }
                         });

// The portable kernels promise two roundings per term (multiply, then add): the library is
// built with -ffp-contract=off, so the compiler may not fuse them into an FMA whatever the
// -march. These tests redo the kernels' arithmetic one rounding at a time, in the kernels'
// order, and demand the same bits.

// sum + a * b with the product rounded and stored before the sum: volatile forbids fusing.
template <class T>
T add_rounded_product(T sum, T a, T b) {
  volatile T product = a * b;
  volatile T result = sum + product;
  return result;
}

template <class T>
void expect_same_bits(const std::vector<T>& got, const std::vector<T>& want, const std::string& label) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(0, std::memcmp(&got[i], &want[i], sizeof(T)))
        << label << " at " << i << ": got " << got[i] << ", want " << want[i];
  }
}

// The packed path (every dimension >= 64, and more than 256 rows: see direct_suits): each
// element is one chain over the depth in increasing order, starting from 0 or, when
// accumulating, from C's old value (the chain continues across kc blocks through C).
template <class T>
void check_portable_packed_rounding() {
  detail::set_gemm_isa(GemmIsa::portable);
  for (const Case& c : {Case{267, 70, 400, false, false, false, 1},
                        Case{267, 70, 400, true, true, true, 0},
                        Case{264, 80, 64, false, true, true, 2}}) {
    ASSERT_TRUE(detail::gemm_takes_packed_path<T>({c.m, c.n, c.k}, c.ta, c.tb)) << describe(c);
    const Problem<T> problem(c, 11);
    const std::vector<T> got = problem.run();
    std::vector<T> want = problem.c;
    for (std::size_t i = 0; i < c.m; ++i) {
      for (std::size_t j = 0; j < c.n; ++j) {
        T s = c.accumulate ? problem.c[i * problem.ldc + j] : T{0};
        for (std::size_t p = 0; p < c.k; ++p) s = add_rounded_product(s, problem.a_at(i, p), problem.b_at(p, j));
        want[i * problem.ldc + j] = s;
      }
    }
    expect_same_bits(got, want, "packed " + describe(c));
  }
  detail::set_gemm_isa(GemmIsa::automatic);
}

TEST(GemmPortable, PackedPathRoundsProductAndSumSeparatelyFloat) { check_portable_packed_rounding<float>(); }
TEST(GemmPortable, PackedPathRoundsProductAndSumSeparatelyDouble) { check_portable_packed_rounding<double>(); }

// The row form (the direct path along n or m): a chain from 0 over the depth, then added to
// C's old value when accumulating.
template <class T>
void check_portable_row_form_rounding() {
  const auto& kernels = detail::portable_gemm_kernels<T>();
  for (bool accumulate : {false, true}) {
    const std::size_t rows = 6, cols = 23, depth = 301;
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<T> x(rows * depth), y(depth * cols), c(rows * cols);
    for (auto& v : x) v = static_cast<T>(dist(rng));
    for (auto& v : y) v = static_cast<T>(dist(rng));
    for (auto& v : c) v = static_cast<T>(dist(rng));
    std::vector<T> want = c, got = c;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < cols; ++j) {
        T s = 0;
        for (std::size_t p = 0; p < depth; ++p) s = add_rounded_product(s, x[r * depth + p], y[p * cols + j]);
        if (accumulate) {
          volatile T sum = want[r * cols + j] + s;
          s = sum;
        }
        want[r * cols + j] = s;
      }
    }
    kernels.row_form({rows, cols, depth, x.data(), depth, 1, y.data(), cols, got.data(), cols, 1,
                      accumulate, nullptr, nullptr, false});
    expect_same_bits(got, want, accumulate ? "row form +=" : "row form =");
  }
}

TEST(GemmPortable, RowFormRoundsProductAndSumSeparatelyFloat) { check_portable_row_form_rounding<float>(); }
TEST(GemmPortable, RowFormRoundsProductAndSumSeparatelyDouble) { check_portable_row_form_rounding<double>(); }

// The dot form (the direct path along k): lane l of a vector of `lanes` accumulates the
// terms p = l, l + lanes, ...; the tail's missing lanes add 0 * 0; the lanes are then summed
// from 0 in lane order, and the sum added to C's old value when accumulating.
template <class T>
void check_portable_dot_form_rounding() {
  const auto& kernels = detail::portable_gemm_kernels<T>();
  const std::size_t lanes = kernels.lanes;
  for (bool accumulate : {false, true}) {
    const std::size_t rows = 5, cols = 6, depth = 303;
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<T> a(rows * depth), b(cols * depth), c(rows * cols);
    for (auto& v : a) v = static_cast<T>(dist(rng));
    for (auto& v : b) v = static_cast<T>(dist(rng));
    for (auto& v : c) v = static_cast<T>(dist(rng));
    std::vector<T> want = c, got = c;
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < cols; ++j) {
        std::vector<T> lane(lanes, T{0});
        for (std::size_t p0 = 0; p0 < depth; p0 += lanes) {
          for (std::size_t l = 0; l < lanes; ++l) {
            const bool live = p0 + l < depth;
            lane[l] = add_rounded_product(lane[l], live ? a[i * depth + p0 + l] : T{0},
                                          live ? b[j * depth + p0 + l] : T{0});
          }
        }
        volatile T s = 0;
        for (std::size_t l = 0; l < lanes; ++l) s = s + lane[l];
        if (accumulate) s = want[i * cols + j] + s;
        want[i * cols + j] = s;
      }
    }
    kernels.dot_form({rows, cols, depth, a.data(), depth, b.data(), depth, got.data(), cols,
                      accumulate, nullptr, false});
    expect_same_bits(got, want, accumulate ? "dot form +=" : "dot form =");
  }
}

TEST(GemmPortable, DotFormRoundsProductAndSumSeparatelyFloat) { check_portable_dot_form_rounding<float>(); }
TEST(GemmPortable, DotFormRoundsProductAndSumSeparatelyDouble) { check_portable_dot_form_rounding<double>(); }

TEST(Gemm, AutomaticPicksASupportedIsa) {
  detail::set_gemm_isa(GemmIsa::automatic);
  EXPECT_NE(detail::active_gemm_isa(), GemmIsa::automatic);
  EXPECT_TRUE(detail::gemm_isa_supported(detail::active_gemm_isa()));
}

// The choice is made at run time from the CPU, not from the build's -march (the portable
// preset builds the library for baseline x86-64): asked independently here.
TEST(Gemm, AutomaticPicksTheBestIsaTheCpuHas) {
  __builtin_cpu_init();
  const bool fma = __builtin_cpu_supports("fma");
  const bool avx512 = fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  const bool avx2 = fma && __builtin_cpu_supports("avx2");
  const GemmIsa best = avx512 ? GemmIsa::avx512 : avx2 ? GemmIsa::avx2 : GemmIsa::portable;
  detail::set_gemm_isa(GemmIsa::automatic);
  EXPECT_EQ(detail::active_gemm_isa(), best);
  EXPECT_EQ(detail::gemm_isa_supported(GemmIsa::avx512), avx512);
  EXPECT_EQ(detail::gemm_isa_supported(GemmIsa::avx2), avx2 || avx512);
}

}  // namespace
}  // namespace cgrad
