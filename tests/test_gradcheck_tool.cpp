// The gradient checker itself: it passes a correct op, catches wrong gradients, and
// leaves parameters as they were. The ops are checked with it in tests/ops/.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <source_location>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "ops/op_support.h"
#include "test_util.h"

namespace cgrad {
namespace {

using test::uniform_tensor;

constexpr double kTolerance = 1e-6;

GradCheckOptions options() {
  GradCheckOptions o;
  o.tolerance = kTolerance;
  return o;
}

// ---- gradcheck must catch a wrong gradient ----

void square_forward(const Graph<double>& graph, Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  for (std::size_t i = 0; i < x.size(); ++i) node.value[i] = x[i] * x[i];
}

void square_backward(Graph<double>& graph, const Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  if (GradOut<double> dx = graph.grad_out(node.inputs[0]))
    detail::write_grad(dx, [&](std::size_t i) { return 2 * x[i] * node.output_grad()[i]; });
}

// The bug under test: d(x^2)/dx taken as x instead of 2x.
void wrong_square_backward(Graph<double>& graph, const Node<double>& node) {
  const Tensor<double>& x = graph.value(node.inputs[0]);
  if (GradOut<double> dx = graph.grad_out(node.inputs[0]))
    detail::write_grad(dx, [&](std::size_t i) { return x[i] * node.output_grad()[i]; });
}

constexpr OpInfo<double> kSquare{"Square", &square_forward, &square_backward};
constexpr OpInfo<double> kWrongSquare{"WrongSquare", &square_forward, &wrong_square_backward};

Var<double> record(const OpInfo<double>& op, Var<double> x) {
  Graph<double>& graph = detail::graph_of(op.name, x);
  return graph.finish(graph.begin(op, {x}, x.shape(), std::source_location::current()));
}

TEST(GradCheck, PassesACorrectHandWrittenOp) {
  Parameter<double> x("X", uniform_tensor<double>(3, 4, 80));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return record(kSquare, g.param(x)); }, {&x}, options());
  EXPECT_TRUE(result.passed) << result.summary();
}

TEST(GradCheck, CatchesAWrongGradient) {
  Parameter<double> x("X", uniform_tensor<double>(3, 4, 80));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return record(kWrongSquare, g.param(x)); }, {&x}, options());
  EXPECT_FALSE(result.passed) << result.summary();
  // analytic x vs numeric 2x: a relative error of 1/2 wherever x is not tiny.
  EXPECT_NEAR(result.max_relative_error, 0.5, 1e-6) << result.summary();
  EXPECT_EQ(result.parameter, "X");
  EXPECT_EQ(result.entries_checked, 12u);
}

TEST(GradCheck, CatchesAWrongGradientInAScalarLoss) {
  Parameter<double> x("X", uniform_tensor<double>(2, 3, 81));
  const GradCheckResult result = gradcheck(
      [&](Graph<double>& g) { return l2_reg(record(kWrongSquare, g.param(x)), 1.0); }, {&x}, options());
  EXPECT_FALSE(result.passed) << result.summary();
}

TEST(GradCheck, LeavesParametersAsTheyWere) {
  Parameter<double> w("W", uniform_tensor<double>(3, 2, 90));
  w.grad() = uniform_tensor<double>(3, 2, 91);
  const Tensor<double> value = w.value();
  const Tensor<double> grad = w.grad();
  Parameter<double> x("X", uniform_tensor<double>(4, 3, 92));
  const GradCheckResult result =
      gradcheck([&](Graph<double>& g) { return matmul(g.param(x), g.param(w)); }, {&x, &w}, options());
  EXPECT_TRUE(result.passed) << result.summary();
  for (std::size_t i = 0; i < value.size(); ++i) {
    EXPECT_EQ(w.value()[i], value[i]);
    EXPECT_EQ(w.grad()[i], grad[i]);
  }
}

}  // namespace
}  // namespace cgrad
