// gradcheck on composite graphs: fan-out, a parameter used in two places, and the seed's
// two models on spiral data (the linear classifier and the two-layer ReLU network).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::normal_tensor;
using test::uniform_tensor;

GradCheckOptions options() {
  GradCheckOptions o;
  o.tolerance = 1e-6;
  return o;
}

void expect_passed(const GradCheckResult& result, const char* what) {
  EXPECT_TRUE(result.passed) << what << ": " << result.summary();
  fmt::print("GradCheckComposite {}: {}\n", what, result.summary());
}

// A function that throws on its Nth call, for every N gradcheck reaches: the first
// recording, then each entry's f(p + h) and f(p - h). Afterwards every parameter's value and
// grad are bit for bit what they were, whichever call threw.
TEST(GradCheck, RestoresValuesAndGradsWhenTheFunctionThrows) {
  Parameter<double> w("w", uniform_tensor<double>(2, 3, 11)), b("b", uniform_tensor<double>(1, 3, 12));
  w.grad() = uniform_tensor<double>(2, 3, 13);  // grads from an earlier backward, to be kept
  b.grad() = uniform_tensor<double>(1, 3, 14);
  const Tensor<double> x = uniform_tensor<double>(4, 2, 15);
  const auto copy = [](const Tensor<double>& t) { return std::vector<double>(t.span().begin(), t.span().end()); };
  const auto w_value = copy(w.value()), b_value = copy(b.value()), w_grad = copy(w.grad()), b_grad = copy(b.grad());
  const int calls = 1 + 2 * static_cast<int>(w.value().size() + b.value().size());
  for (int throw_on = 1; throw_on <= calls; ++throw_on) {
    int call = 0;
    const auto function = [&](Graph<double>& g) {
      if (++call == throw_on) throw std::runtime_error("thrown by the checked function");
      return relu(add_bias(matmul(g.input(x), g.param(w)), g.param(b)));
    };
    EXPECT_THROW(gradcheck(function, {&w, &b}), std::runtime_error) << "call " << throw_on;
    EXPECT_EQ(call, throw_on);
    // Exactly equal (none is NaN).
    EXPECT_EQ(copy(w.value()), w_value) << "throw on call " << throw_on;
    EXPECT_EQ(copy(b.value()), b_value) << "throw on call " << throw_on;
    EXPECT_EQ(copy(w.grad()), w_grad) << "throw on call " << throw_on;
    EXPECT_EQ(copy(b.grad()), b_grad) << "throw on call " << throw_on;
  }
  // And without a throw, as before.
  EXPECT_TRUE(gradcheck([&](Graph<double>& g) { return relu(add_bias(matmul(g.input(x), g.param(w)), g.param(b))); },
                        {&w, &b})
                  .passed);
  EXPECT_EQ(copy(w.value()), w_value);
  EXPECT_EQ(copy(w.grad()), w_grad);
}

TEST(GradCheckComposite, ValueUsedTwiceInAdd) {
  Parameter<double> x("x", uniform_tensor<double>(3, 4, 1));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> v = g.param(x);
                  return add(v, v);
                }, {&x}, options()),
                "add(x, x)");
}

TEST(GradCheckComposite, IntermediateUsedTwice) {
  Parameter<double> x("x", uniform_tensor<double>(3, 4, 2));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> h = scale(g.param(x), -1.5);  // an op's output, not a leaf, fans out
                  return add(relu(add(h, h)), h);
                }, {&x}, options()),
                "add(relu(h + h), h)");
}

TEST(GradCheckComposite, MatMulSquare) {
  Parameter<double> x("x", uniform_tensor<double>(4, 4, 3));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> v = g.param(x);
                  return matmul(v, v);
                }, {&x}, options()),
                "matmul(x, x)");
}

TEST(GradCheckComposite, ParameterUsedInTwoPlaces) {
  Parameter<double> w("W", uniform_tensor<double>(3, 3, 4));
  const Tensor<double> x = uniform_tensor<double>(5, 3, 5);
  expect_passed(gradcheck([&](Graph<double>& g) {
                  // W enters twice as a leaf and is also regularised: three uses.
                  Var<double> y = matmul(matmul(g.input(x), g.param(w)), g.param(w));
                  return add(l2_reg(y, 1.0), l2_reg(g.param(w), 0.1));
                }, {&w}, options()),
                "X.W.W + L2(W)");
}

TEST(GradCheckComposite, BiasAddedToItsOwnRow) {
  Parameter<double> b("b", uniform_tensor<double>(1, 4, 6));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> v = g.param(b);
                  return add_bias(v, v);
                }, {&b}, options()),
                "add_bias(b, b)");
}

// The seed's softmax classifier: scores = X.W + b, loss = data loss + L2(W).
TEST(GradCheckComposite, LinearClassifierOnSpiral) {
  const test::Spiral data = test::spiral();
  ASSERT_EQ(data.x.rows(), 300u);
  Parameter<double> w("W", normal_tensor<double>(2, 3, 7, 0.01));
  Parameter<double> b("b", Tensor<double>(1, 3));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> scores = add_bias(matmul(g.input(data.x), g.param(w)), g.param(b));
                  return add(softmax_xent(scores, data.labels), l2_reg(g.param(w), 1e-3));
                }, {&w, &b}, options()),
                "linear classifier");
}

// Hidden biases that keep every hidden pre-activation at least `margin` from ReLU's kink,
// so no central difference straddles it. For each unit, the best of many random offsets.
Tensor<double> biases_away_from_kink(const Tensor<double>& x, const Tensor<double>& w, double margin,
                                     std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> offset(-0.5, 0.5);
  Tensor<double> b(1, w.cols());
  for (std::size_t j = 0; j < w.cols(); ++j) {
    double best_margin = -1;
    for (int attempt = 0; attempt < 200 && best_margin < 4 * margin; ++attempt) {
      const double candidate = offset(engine);
      double closest = std::numeric_limits<double>::infinity();
      for (std::size_t r = 0; r < x.rows(); ++r) {
        double z = candidate;
        for (std::size_t k = 0; k < x.cols(); ++k) z += x(r, k) * w(k, j);
        closest = std::min(closest, std::abs(z));
      }
      if (closest > best_margin) {
        best_margin = closest;
        b(0, j) = candidate;
      }
    }
    EXPECT_GE(best_margin, margin) << "hidden unit " << j;
  }
  return b;
}

// The seed's two-layer network: hidden 100, ReLU, data loss + L2 on both weight matrices.
TEST(GradCheckComposite, TwoLayerNetworkOnSpiral) {
  const test::Spiral data = test::spiral();
  Parameter<double> w1("W1", normal_tensor<double>(2, 100, 8, 0.5));
  Parameter<double> b1("b1", biases_away_from_kink(data.x, w1.value(), 1e-3, 9));
  Parameter<double> w2("W2", normal_tensor<double>(100, 3, 10, 0.1));
  Parameter<double> b2("b2", uniform_tensor<double>(1, 3, 11, -0.1, 0.1));
  // Both branches of the ReLU are exercised.
  std::size_t active = 0;
  for (std::size_t r = 0; r < data.x.rows(); ++r)
    for (std::size_t j = 0; j < 100; ++j)
      active += data.x(r, 0) * w1.value()(0, j) + data.x(r, 1) * w1.value()(1, j) + b1.value()(0, j) > 0;
  EXPECT_GT(active, 3000u);
  EXPECT_LT(active, 27000u);

  const double reg = 1e-3;
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> hidden =
                      relu(add_bias(matmul(g.input(data.x), g.param(w1)), g.param(b1)));
                  Var<double> scores = add_bias(matmul(hidden, g.param(w2)), g.param(b2));
                  return add(softmax_xent(scores, data.labels),
                             add(l2_reg(g.param(w1), reg), l2_reg(g.param(w2), reg)));
                }, {&w1, &b1, &w2, &b2}, options()),
                "two-layer network");
}

// The same network with the regularisation written as Scale of a sum, as a user might.
TEST(GradCheckComposite, TwoLayerNetworkWithScaledRegularisation) {
  const test::Spiral data = test::spiral(20, 3, 1);
  Parameter<double> w1("W1", normal_tensor<double>(2, 10, 12, 0.5));
  Parameter<double> b1("b1", biases_away_from_kink(data.x, w1.value(), 1e-3, 13));
  Parameter<double> w2("W2", normal_tensor<double>(10, 3, 14, 0.1));
  Parameter<double> b2("b2", Tensor<double>(1, 3));
  expect_passed(gradcheck([&](Graph<double>& g) {
                  Var<double> hidden =
                      relu(add_bias(matmul(g.input(data.x), g.param(w1)), g.param(b1)));
                  Var<double> scores = add_bias(matmul(hidden, g.param(w2)), g.param(b2));
                  return softmax_xent(scores, data.labels) +
                         0.5 * (l2_reg(g.param(w1), 1e-2) + l2_reg(g.param(w2), 1e-2));
                }, {&w1, &b1, &w2, &b2}, options()),
                "two-layer network, scaled L2");
}

// A fused node against the ops it replaces, on x [rows, in], w [in, out], b [1, out] and the
// same upstream gradient: the value and the three gradients must be the same bits.
template <Real T, class Fused, class Composed>
void expect_same_bits_as_composition(std::size_t rows, std::size_t in, std::size_t out, const Fused& fused_of,
                                     const Composed& composed_of) {
  const std::uint64_t seed = rows * 7919 + in * 31 + out;
  const Tensor<T> dy = uniform_tensor<T>(rows, out, seed + 3);
  struct Result {
    Tensor<T> y, dx, dw, db;
  };
  const auto run = [&](bool fused) {  // fresh parameters: a parameter's grad accumulates
    Parameter<T> x("x", uniform_tensor<T>(rows, in, seed));
    Parameter<T> w("w", uniform_tensor<T>(in, out, seed + 1));
    Parameter<T> b("b", uniform_tensor<T>(1, out, seed + 2));
    Graph<T> graph;
    const Var<T> y = fused ? fused_of(graph.param(x), graph.param(w), graph.param(b))
                           : composed_of(graph.param(x), graph.param(w), graph.param(b));
    graph.backward(y, dy);
    return Result{y.value(), x.grad(), w.grad(), b.grad()};
  };
  const Result fused = run(true), composed = run(false);
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const auto expect_same_bits = [&](const Tensor<T>& a, const Tensor<T>& e, const char* what) {
    ASSERT_EQ(a.shape(), e.shape()) << what;
    for (std::size_t i = 0; i < a.size(); ++i)
      ASSERT_EQ(std::bit_cast<Bits>(a[i]), std::bit_cast<Bits>(e[i]))
          << what << " [" << i << "] " << a[i] << " vs " << e[i] << ", shape " << rows << "x" << in << "x" << out;
  };
  expect_same_bits(fused.y, composed.y, "y");
  expect_same_bits(fused.dx, composed.dx, "dx");
  expect_same_bits(fused.dw, composed.dw, "dw");
  expect_same_bits(fused.db, composed.db, "db");
}

// Shapes on the direct path, the spiral's first layer, the packed path, and the packed
// path with the depth in two blocks (the bias and the ReLU go in with the last); the last
// two have over 256 rows, which keeps them packed (direct_suits).
constexpr std::array<std::array<std::size_t, 3>, 4> kFusedShapes{{{3, 2, 4}, {300, 2, 100}, {320, 72, 200}, {300, 600, 200}}};

// Affine (ops/linalg/affine.h) claims the values and gradients of add_bias(matmul(x, w), b),
// bit for bit: the same GEMMs, the bias added after each sum is complete, the same column
// sums.
TEST(AffineOp, SameBitsAsAddBiasOfMatMul) {
  const auto fused = [](auto x, auto w, auto b) { return affine(x, w, b); };
  const auto composed = [](auto x, auto w, auto b) { return add_bias(matmul(x, w), b); };
  for (const auto [rows, in, out] : kFusedShapes) {
    expect_same_bits_as_composition<float>(rows, in, out, fused, composed);
    expect_same_bits_as_composition<double>(rows, in, out, fused, composed);
  }
}

// AffineReLU (ops/linalg/affine_relu.h) claims those of relu(affine(x, w, b)): the ReLU in
// the GEMM's store, its gradient and the bias's column sums in one pass.
TEST(AffineReluOp, SameBitsAsReluOfAffine) {
  const auto fused = [](auto x, auto w, auto b) { return affine_relu(x, w, b); };
  const auto composed = [](auto x, auto w, auto b) { return relu(affine(x, w, b)); };
  for (const auto [rows, in, out] : kFusedShapes) {
    expect_same_bits_as_composition<float>(rows, in, out, fused, composed);
    expect_same_bits_as_composition<double>(rows, in, out, fused, composed);
  }
}

}  // namespace
}  // namespace cgrad
