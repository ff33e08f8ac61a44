// Every refusal of the library: the right subclass of cgrad::Error, a message naming the
// op and what was wrong, and never an abort.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "expect_error.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

static_assert(std::is_base_of_v<Error, ShapeError>);
static_assert(std::is_base_of_v<Error, ValueError>);
static_assert(std::is_base_of_v<Error, GraphError>);
static_assert(std::is_base_of_v<Error, NumericError>);
static_assert(std::is_base_of_v<Error, IoError>);
static_assert(std::is_base_of_v<std::runtime_error, Error>);

Tensor<double> ones(std::size_t rows, std::size_t cols) { return Tensor<double>::full(rows, cols, 1.0); }

TEST(Errors, MatMulShapeMessageIsExact) {
  Graph<double> graph;
  Var<double> a = graph.input(ones(300, 2));
  Var<double> b = graph.input(ones(3, 100));
  EXPECT_EQ(message_of<ShapeError>([&] { matmul(a, b); }), "MatMul: cannot multiply [300,2] by [3,100]");
}

TEST(Errors, MatMulInnerDimensionMismatch) {
  Graph<float> graph;
  Var<float> a = graph.input(Tensor<float>(2, 3));
  Var<float> b = graph.input(Tensor<float>(2, 3));
  EXPECT_THAT(message_of<ShapeError>([&] { matmul(a, b); }), AllOf(HasSubstr("MatMul"), HasSubstr("[2,3]")));
}

TEST(Errors, AddBiasWrongBiasShape) {
  Graph<double> graph;
  Var<double> x = graph.input(ones(300, 100));
  EXPECT_THAT(message_of<ShapeError>([&] { add_bias(x, graph.input(ones(1, 99))); }),
              AllOf(HasSubstr("AddBias"), HasSubstr("[1,99]"), HasSubstr("[300,100]")));
  EXPECT_THAT(message_of<ShapeError>([&] { add_bias(x, graph.input(ones(2, 100))); }),
              AllOf(HasSubstr("AddBias"), HasSubstr("[2,100]"), HasSubstr("[300,100]")));
  EXPECT_THAT(message_of<ShapeError>([&] { add_bias(x, graph.input(ones(100, 1))); }),
              AllOf(HasSubstr("AddBias"), HasSubstr("[100,1]")));
}

TEST(Errors, AddMismatchedShapes) {
  Graph<double> graph;
  EXPECT_THAT(message_of<ShapeError>([&] { add(graph.input(ones(3, 4)), graph.input(ones(4, 3))); }),
              AllOf(HasSubstr("Add: cannot broadcast"), HasSubstr("[3,4]"), HasSubstr("[4,3]")));
  // NumPy's rules: dimensions pair from the right; [3,4] and [3] do not.
  EXPECT_THAT(message_of<ShapeError>([&] { add(graph.input(ones(3, 4)), graph.input(Tensor<double>(Shape{3}))); }),
              AllOf(HasSubstr("Add: cannot broadcast"), HasSubstr("[3,4]"), HasSubstr("[3]")));
}

TEST(Errors, SoftmaxXentWrongLabelCount) {
  Graph<double> graph;
  Var<double> scores = graph.input(ones(300, 3));
  const std::vector<std::int32_t> labels(299, 0);
  EXPECT_THAT(message_of<ShapeError>([&] { softmax_xent(scores, labels); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("299"), HasSubstr("[300,3]")));
  const std::vector<std::int32_t> too_many(301, 0);
  EXPECT_THAT(message_of<ShapeError>([&] { softmax_xent(scores, too_many); }), HasSubstr("SoftmaxXent"));
}

TEST(Errors, SoftmaxXentLabelOutOfRange) {
  Graph<double> graph;
  Var<double> scores = graph.input(ones(4, 3));
  std::vector<std::int32_t> labels = {0, 1, 2, 3};
  EXPECT_THAT(message_of<ValueError>([&] { softmax_xent(scores, labels); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("label 3"), HasSubstr("[0,3)")));
  labels = {0, -1, 2, 1};
  EXPECT_THAT(message_of<ValueError>([&] { softmax_xent(scores, labels); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("-1")));
  labels = {0, 1, 2, std::numeric_limits<std::int32_t>::max()};
  EXPECT_THAT(message_of<ValueError>([&] { softmax_xent(scores, labels); }), HasSubstr("SoftmaxXent"));
}

TEST(Errors, SoftmaxXentEmptyScores) {
  Graph<double> graph;
  const std::vector<std::int32_t> none;
  EXPECT_THAT(message_of<ShapeError>([&] { softmax_xent(graph.input(ones(0, 3)), none); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("[0,3]")));
  const std::vector<std::int32_t> two = {0, 0};
  EXPECT_THAT(message_of<ShapeError>([&] { softmax_xent(graph.input(ones(2, 0)), two); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("[2,0]")));
}

TEST(Errors, L2RegNegativeOrNonFiniteLambda) {
  Graph<double> graph;
  Var<double> w = graph.input(ones(2, 100));
  EXPECT_THAT(message_of<ValueError>([&] { l2_reg(w, -1e-3); }), AllOf(HasSubstr("L2Reg"), HasSubstr("lambda")));
  EXPECT_THAT(message_of<ValueError>([&] { l2_reg(w, std::numeric_limits<double>::quiet_NaN()); }),
              AllOf(HasSubstr("L2Reg"), HasSubstr("nan")));
  EXPECT_THAT(message_of<ValueError>([&] { l2_reg(w, std::numeric_limits<double>::infinity()); }),
              HasSubstr("L2Reg"));
  EXPECT_NO_THROW(l2_reg(w, 0.0));
}

TEST(Errors, ScaleNonFiniteFactor) {
  Graph<float> graph;
  Var<float> x = graph.input(Tensor<float>(2, 2));
  EXPECT_THAT(message_of<ValueError>([&] { scale(x, std::numeric_limits<float>::infinity()); }),
              AllOf(HasSubstr("Scale"), HasSubstr("inf")));
  EXPECT_THAT(message_of<ValueError>([&] { scale(x, -std::numeric_limits<float>::infinity()); }),
              HasSubstr("Scale"));
  EXPECT_THAT(message_of<ValueError>([&] { scale(x, std::numeric_limits<float>::quiet_NaN()); }),
              HasSubstr("Scale"));
}

TEST(Errors, BackwardOnANonScalar) {
  Parameter<double> w("W", ones(3, 2));
  Graph<double> graph;
  Var<double> y = matmul(graph.input(ones(4, 3)), graph.param(w));
  EXPECT_THAT(message_of<ShapeError>([&] { graph.backward(y); }),
              AllOf(HasSubstr("backward"), HasSubstr("[4,2]")));
  EXPECT_THAT(message_of<ShapeError>([&] { graph.backward(y, ones(2, 4)); }),
              AllOf(HasSubstr("backward"), HasSubstr("[2,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { y.item(); }), HasSubstr("[4,2]"));
}

TEST(Errors, MixingVarsOfTwoGraphs) {
  Graph<double> first, second;
  Var<double> a = first.input(ones(2, 2));
  Var<double> b = second.input(ones(2, 2));
  EXPECT_THAT(message_of<GraphError>([&] { add(a, b); }), AllOf(HasSubstr("Add"), HasSubstr("two different graphs")));
  EXPECT_THAT(message_of<GraphError>([&] { matmul(a, b); }), HasSubstr("MatMul"));
  EXPECT_THAT(message_of<GraphError>([&] { add_bias(a, second.input(ones(1, 2))); }), HasSubstr("AddBias"));
  Parameter<double> w("W", ones(2, 2));
  Var<double> loss = l2_reg(first.param(w), 1.0);
  EXPECT_THAT(message_of<GraphError>([&] { second.backward(loss); }), HasSubstr("backward"));
}

TEST(Errors, UsingAVarAfterClear) {
  Parameter<double> w("W", ones(2, 2));
  Graph<double> graph;
  Var<double> x = graph.input(ones(2, 2));
  Var<double> loss = l2_reg(graph.param(w), 1.0);
  graph.clear();
  EXPECT_THAT(message_of<GraphError>([&] { x.value(); }), HasSubstr("cleared"));
  EXPECT_THAT(message_of<GraphError>([&] { relu(x); }), AllOf(HasSubstr("ReLU"), HasSubstr("cleared")));
  EXPECT_THAT(message_of<GraphError>([&] { graph.backward(loss); }), HasSubstr("cleared"));
  // Even when the graph has grown back past the stale Var's index.
  for (int i = 0; i < 4; ++i) graph.input(ones(2, 2));
  EXPECT_THAT(message_of<GraphError>([&] { scale(x, 2.0); }), AllOf(HasSubstr("Scale"), HasSubstr("cleared")));
  EXPECT_THAT(message_of<GraphError>([&] { loss.item(); }), HasSubstr("cleared"));
}

TEST(Errors, DefaultConstructedVar) {
  Graph<double> graph;
  const Var<double> none;
  Var<double> x = graph.input(ones(2, 2));
  EXPECT_THAT(message_of<GraphError>([&] { none.value(); }), HasSubstr("default-constructed"));
  EXPECT_THAT(message_of<GraphError>([&] { relu(none); }), AllOf(HasSubstr("ReLU"), HasSubstr("no graph")));
  EXPECT_THAT(message_of<GraphError>([&] { add(x, none); }), AllOf(HasSubstr("Add"), HasSubstr("no graph")));
  EXPECT_THAT(message_of<GraphError>([&] { add(none, x); }), AllOf(HasSubstr("Add"), HasSubstr("no graph")));
  EXPECT_THAT(message_of<GraphError>([&] { graph.backward(none); }), HasSubstr("backward"));
}

TEST(Errors, BackwardWhenNothingRequiresGrad) {
  Graph<double> graph;
  Var<double> loss = l2_reg(graph.input(ones(2, 2)), 1.0);
  EXPECT_THAT(message_of<GraphError>([&] { graph.backward(loss); }),
              AllOf(HasSubstr("backward"), HasSubstr("L2Reg")));
}

TEST(Errors, TensorValueCountMismatch) {
  const std::vector<float> values(5, 1.0f);
  EXPECT_THAT(message_of<ShapeError>([&] { Tensor<float>(2, 3, std::span<const float>(values)); }),
              AllOf(HasSubstr("5"), HasSubstr("[2,3]")));
}

TEST(Errors, CatchableAsOneType) {
  Graph<double> graph;
  EXPECT_THROW(matmul(graph.input(ones(1, 2)), graph.input(ones(1, 2))), Error);
  EXPECT_THROW(l2_reg(graph.input(ones(1, 2)), -1.0), Error);
  EXPECT_THROW(relu(Var<double>{}), Error);
}

}  // namespace
}  // namespace cgrad
