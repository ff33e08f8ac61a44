// Inputs refused at the public entries beyond the ops' shape rules: tensor sizes,
// gradcheck's options and parameters, Vars of another graph; and empty batches, which
// are valid wherever the mathematics is (a product or sum over zero rows).
#include <cstdint>
#include <limits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "expect_error.h"
#include "test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

constexpr std::size_t kHuge = std::size_t{1} << 33;

TEST(Validation, TensorWhoseElementCountOverflowsIsRefused) {
  // 2^33 * 2^33 wraps to 0 in size_t: without the check this "fits" any buffer.
  EXPECT_THAT(message_of<ValueError>([] { Tensor<double>(kHuge, kHuge); }),
              AllOf(HasSubstr("[8589934592,8589934592]"), HasSubstr("f64"), HasSubstr("too large"),
                    HasSubstr("at most")));
  // A shape computed from -1 cast to size_t.
  EXPECT_THAT(message_of<ValueError>([] { Tensor<float>(static_cast<std::size_t>(-1), 2); }),
              AllOf(HasSubstr("f32"), HasSubstr("too large")));
  EXPECT_THROW(Tensor<float>::full(kHuge, kHuge, 1.0f), ValueError);
  Tensor<double> t(2, 2);
  EXPECT_THROW(t.resize(kHuge, kHuge), ValueError);
  EXPECT_EQ(t.shape(), (Shape{2, 2})) << "a refused resize leaves the tensor as it was";
  // The wrapped product (0) matches an empty span; the size check must still refuse it.
  EXPECT_THROW((Tensor<double>(kHuge, kHuge, std::span<const double>{})), ValueError);
}

TEST(Validation, ElementCountLimitIsTheByteSizeOfAnArray) {
  EXPECT_EQ(kMaxTensorElements<float>, static_cast<std::size_t>(PTRDIFF_MAX) / 4);
  EXPECT_EQ(kMaxTensorElements<double>, static_cast<std::size_t>(PTRDIFF_MAX) / 8);
  EXPECT_THROW(Tensor<double>(1, kMaxTensorElements<double> + 1), ValueError);
}

// An empty batch: X [0,3] . W [3,2] is [0,2]; a sum over it is 0, and W's gradient from
// it is the zero matrix (a sum over zero rows), not garbage.
TEST(Validation, EmptyBatchThroughMatMulAddBiasReluIsValid) {
  Parameter<double> w("W", test::uniform_tensor<double>(3, 2, 1));
  Parameter<double> b("b", test::uniform_tensor<double>(1, 2, 2));
  Graph<double> graph;
  Var<double> y = relu(add_bias(matmul(graph.input(Tensor<double>(0, 3)), graph.param(w)), graph.param(b)));
  EXPECT_EQ(y.shape(), (Shape{0, 2}));
  Var<double> loss = add(l2_reg(y, 1.0), l2_reg(graph.param(w), 0.5));
  EXPECT_EQ(loss.item(), l2_reg(graph.param(w), 0.5).item());
  graph.backward(loss);
  for (std::size_t i = 0; i < w.value().size(); ++i) EXPECT_EQ(w.grad()[i], 0.5 * w.value()[i]);
  for (double g : b.grad().span()) EXPECT_EQ(g, 0.0);
}

TEST(Validation, ZeroInnerDimensionGivesZeros) {
  Parameter<double> a("A", Tensor<double>(2, 0));
  Graph<double> graph;
  Var<double> y = matmul(graph.param(a), graph.input(Tensor<double>(0, 3)));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  for (double v : y.value().span()) EXPECT_EQ(v, 0.0);
}

TEST(Validation, SoftmaxXentRefusesAnEmptyBatch) {
  // The mean over zero rows is undefined, so the loss refuses it (and says so).
  Graph<float> graph;
  EXPECT_THAT(message_of<ShapeError>([&] { softmax_xent(graph.input(Tensor<float>(0, 3)), {}); }),
              AllOf(HasSubstr("SoftmaxXent"), HasSubstr("[0,3]"), HasSubstr("at least one row")));
}

TEST(Validation, BackwardOnAVarOfAnotherGraph) {
  Parameter<double> w("W", Tensor<double>::full(2, 2, 1.0));
  Graph<double> first, second;
  Var<double> loss = l2_reg(first.param(w), 1.0);
  EXPECT_THAT(message_of<GraphError>([&] { second.backward(loss); }),
              AllOf(HasSubstr("backward"), HasSubstr("another graph")));
  EXPECT_THAT(message_of<GraphError>([&] { second.backward(loss, Tensor<double>(1, 1, {1.0})); }),
              HasSubstr("another graph"));
}

// ---- gradcheck ----

Var<double> square_sum(Graph<double>& g, Parameter<double>& p) { return l2_reg(g.param(p), 1.0); }

TEST(Validation, GradCheckRefusesBadOptions) {
  Parameter<double> w("W", Tensor<double>::full(2, 2, 1.0));
  auto run = [&](GradCheckOptions o) { gradcheck([&](Graph<double>& g) { return square_sum(g, w); }, {&w}, o); };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double step : {0.0, -1e-5, 1.0, 5.0, nan, inf})
    EXPECT_THAT(message_of<ValueError>([&] { run({.step = step}); }),
                AllOf(HasSubstr("gradcheck"), HasSubstr("step"), HasSubstr("(0, 1)")));
  for (double tolerance : {-1e-6, nan, inf})
    EXPECT_THAT(message_of<ValueError>([&] { run({.tolerance = tolerance}); }),
                AllOf(HasSubstr("tolerance"), HasSubstr(">= 0")));
  for (double floor : {0.0, -1.0, nan, inf})
    EXPECT_THAT(message_of<ValueError>([&] { run({.floor = floor}); }), AllOf(HasSubstr("floor"), HasSubstr("> 0")));
  EXPECT_TRUE(gradcheck([&](Graph<double>& g) { return square_sum(g, w); }, {&w}, {.tolerance = 0.0}).entries_checked);
}

TEST(Validation, GradCheckRefusesBadParameters) {
  Parameter<double> w("W", Tensor<double>::full(2, 2, 1.0));
  auto f = [&](Graph<double>& g) { return square_sum(g, w); };
  EXPECT_THAT(message_of<ValueError>([&] { gradcheck(f, std::span<Parameter<double>* const>{}); }),
              HasSubstr("no parameters"));
  EXPECT_THAT(message_of<ValueError>([&] { gradcheck(f, {&w, nullptr}); }),
              AllOf(HasSubstr("parameter 2 of 2"), HasSubstr("null")));
  EXPECT_THAT(message_of<ValueError>([&] { gradcheck(f, {&w, &w}); }), AllOf(HasSubstr("'W'"), HasSubstr("twice")));
  w.mutable_value()(1, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THAT(message_of<ValueError>([&] { gradcheck(f, {&w}); }),
              AllOf(HasSubstr("'W'"), HasSubstr("inf at [1,0]"), HasSubstr("finite")));
}

TEST(Validation, GradCheckRefusesAFunctionThatIgnoresItsGraph) {
  Parameter<double> w("W", Tensor<double>::full(2, 2, 1.0));
  Graph<double> elsewhere;
  EXPECT_THAT(message_of<GraphError>([&] { gradcheck([&](Graph<double>&) { return square_sum(elsewhere, w); }, {&w}); }),
              HasSubstr("another graph"));
  EXPECT_THAT(message_of<GraphError>([&] { gradcheck([&](Graph<double>&) { return Var<double>{}; }, {&w}); }),
              HasSubstr("no graph"));
}

}  // namespace
}  // namespace cgrad
