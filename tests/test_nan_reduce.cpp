// The reduce family with NaN: max, min, logsumexp, softmax and log_softmax pass a NaN in a
// slice on to that slice's result and gradient (as LibTorch does), and leave the other
// slices alone; in anomaly mode the NaN is reported naming the op. And the family's refusals:
// axes out of range or named twice, empty slices of max and min.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Case {
  const char* name;
  std::function<Var<double>(Var<double>)> op;  // reduces or normalises [2,20] along axis 1
};

std::vector<Case> cases() {
  return {
      {"Max", [](Var<double> x) { return max(x, 1); }},
      {"Min", [](Var<double> x) { return min(x, -1, true); }},
      {"LogSumExp", [](Var<double> x) { return logsumexp(x, 1); }},
      {"Softmax", [](Var<double> x) { return softmax(x, 1); }},
      {"LogSoftmax", [](Var<double> x) { return log_softmax(x, -1); }},
  };
}

// [2,20]: row 0 holds a NaN at `column` (first element, inside the 16 partial results, or in
// the tail after them), row 1 is finite.
Tensor<double> with_nan(std::size_t column) {
  Tensor<double> x(Shape{2, 20});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<double>(i));
  x(0, column) = kNaN;
  return x;
}

// Elements of row `row` of t (which has 2 rows) that are NaN, and how many it has.
std::size_t nans_in_row(const Tensor<double>& t, std::size_t row) {
  const std::size_t per_row = t.size() / 2;
  std::size_t count = 0;
  for (std::size_t i = row * per_row; i < (row + 1) * per_row; ++i) count += std::isnan(t[i]) ? 1 : 0;
  return count;
}

TEST(NanReduce, NaNReachesTheResultAndTheGradientOfItsSliceOnly) {
  for (const Case& c : cases()) {
    for (const std::size_t column : {0u, 5u, 17u, 19u}) {
      SCOPED_TRACE(fmt::format("{} with NaN at column {}", c.name, column));
      Parameter<double> p("x", with_nan(column));
      Graph<double> graph;
      Var<double> y = c.op(graph.param(p));
      const Tensor<double>& value = y.value();
      EXPECT_EQ(nans_in_row(value, 0), value.size() / 2);  // the NaN row's results are all NaN
      EXPECT_EQ(nans_in_row(value, 1), 0u);
      graph.backward(y, Tensor<double>::full(value.shape(), 1.0));
      EXPECT_GE(nans_in_row(p.grad(), 0), 1u);  // at least the NaN element's own gradient
      EXPECT_EQ(nans_in_row(p.grad(), 1), 0u);
    }
  }
}

TEST(NanReduce, FullReductionsOfMaxAndMinAreNaN) {
  for (const std::size_t column : {0u, 17u}) {
    Parameter<double> p("x", with_nan(column));
    Graph<double> graph;
    Var<double> hi = max(graph.param(p));
    Var<double> lo = min(graph.param(p));
    EXPECT_TRUE(std::isnan(hi.item()));
    EXPECT_TRUE(std::isnan(lo.item()));
    graph.backward(hi);
    EXPECT_TRUE(std::isnan(p.grad()(0, column)));
  }
}

TEST(NanReduce, FloatNaNPropagatesToo) {
  Parameter<float> p("x", Tensor<float>(Shape{1, 3}, {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f}));
  Graph<float> graph;
  Var<float> x = graph.param(p);
  EXPECT_TRUE(std::isnan(max(x).item()));
  EXPECT_TRUE(std::isnan(min(x, 1).item()));
  EXPECT_TRUE(std::isnan(logsumexp(x, 1).item()));
  EXPECT_TRUE(std::isnan(softmax(x, 1).value()[0]));
}

TEST(NanReduce, AnomalyModeNamesTheOpInForward) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Parameter<double> p("x", with_nan(3));
    Graph<double> graph;
    DetectAnomaly guard;
    Var<double> x = graph.param(p);
    try {
      c.op(x);
      ADD_FAILURE() << "no NumericError";
    } catch (const NumericError& e) {
      EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr(fmt::format("{} forward", c.name)), HasSubstr("nan")));
    }
  }
}

TEST(NanReduce, AnomalyModeNamesTheOpInBackward) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Parameter<double> p("x", with_nan(3));
    p.mutable_value()(0, 3) = 0.25;  // finite: the forward passes
    Graph<double> graph;
    DetectAnomaly guard;
    Var<double> y = c.op(graph.param(p));
    Tensor<double> seed = Tensor<double>::full(y.shape(), 1.0);
    seed[0] = kNaN;  // a NaN arriving from downstream
    try {
      graph.backward(y, seed);
      ADD_FAILURE() << "no NumericError";
    } catch (const NumericError& e) {
      EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr(fmt::format("{} backward", c.name)), HasSubstr("nan")));
    }
  }
}

TEST(NanReduce, WithoutAnomalyModeNothingThrows) {
  EXPECT_FALSE(anomaly_detection_enabled());
  for (const Case& c : cases()) {
    Parameter<double> p("x", with_nan(3));
    Graph<double> graph;
    Var<double> y;
    EXPECT_NO_THROW(y = c.op(graph.param(p))) << c.name;
    EXPECT_NO_THROW(graph.backward(y, Tensor<double>::full(y.shape(), 1.0))) << c.name;
  }
}

TEST(NanReduce, InfinitiesAreNotNaN) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  Graph<double> graph;
  Var<double> x = graph.input(Tensor<double>(Shape{3, 2}, {-inf, -inf, inf, 1.0, 0.5, -inf}));
  const Tensor<double> lse = logsumexp(x, 1).value();
  EXPECT_EQ(lse[0], -inf);  // all -inf: -inf, not NaN
  EXPECT_EQ(lse[1], inf);
  EXPECT_DOUBLE_EQ(lse[2], 0.5);
  EXPECT_EQ(logsumexp(graph.input(Tensor<double>(Shape{2, 0})), 1).value()[0], -inf);  // an empty slice
  const Tensor<double> hi = max(x, 1).value();
  EXPECT_EQ(hi[0], -inf);
  EXPECT_EQ(hi[1], inf);
  const Tensor<double> p = softmax(x, 1).value();
  EXPECT_EQ(p[4], 1.0);
  EXPECT_EQ(p[5], 0.0);
}

TEST(ReduceErrors, AxisOutOfRangeNamesTheOpAndTheRank) {
  Graph<double> graph;
  Var<double> x = graph.input(Tensor<double>(Shape{2, 3}));
  EXPECT_THAT(message_of<ShapeError>([&] { sum(x, 2); }),
              AllOf(HasSubstr("Sum"), HasSubstr("axis 2"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { mean(x, {0, -3}); }),
              AllOf(HasSubstr("Mean"), HasSubstr("axis -3"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { max(x, 5, true); }), AllOf(HasSubstr("Max"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { min(x, -3); }), AllOf(HasSubstr("Min"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { logsumexp(x, 2); }), AllOf(HasSubstr("LogSumExp"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { softmax(x, -3); }),
              AllOf(HasSubstr("Softmax"), HasSubstr("axis -3"), HasSubstr("rank 2")));
  EXPECT_THAT(message_of<ShapeError>([&] { log_softmax(x, 2); }),
              AllOf(HasSubstr("LogSoftmax"), HasSubstr("axis 2"), HasSubstr("rank 2")));
  Var<double> scalar = graph.input(Tensor<double>::scalar(1.0));  // torch: a scalar takes 0 and -1 only
  EXPECT_EQ(message_of<ShapeError>([&] { sum(scalar, 1); }),
            "Sum: axis 1 is out of range for a value of rank 0 (valid: -1 or 0)");
  EXPECT_THAT(message_of<ShapeError>([&] { softmax(scalar, -2); }), AllOf(HasSubstr("Softmax"), HasSubstr("rank 0")));
  EXPECT_EQ(sum(scalar, {0}).shape(), Shape{});  // as torch
  EXPECT_EQ(graph.size(), 3u);  // nothing recorded by a refused call
}

TEST(ReduceErrors, AxisNamedTwice) {
  Graph<double> graph;
  Var<double> x = graph.input(Tensor<double>(Shape{2, 3, 4}));
  EXPECT_EQ(message_of<ShapeError>([&] { sum(x, {0, 2, -3}); }), "Sum: axis -3 is named twice");
  EXPECT_THAT(message_of<ShapeError>([&] { max(x, {1, 1}); }), HasSubstr("Max: axis 1 is named twice"));
  EXPECT_THAT(message_of<ShapeError>([&] { logsumexp(x, {-1, 2}, true); }),
              HasSubstr("LogSumExp: axis 2 is named twice"));
}

TEST(ReduceErrors, MaxAndMinOfAnEmptySliceAreRefused) {
  Graph<double> graph;
  Var<double> x = graph.input(Tensor<double>(Shape{2, 0}));
  EXPECT_THAT(message_of<ShapeError>([&] { max(x, 1); }), AllOf(HasSubstr("Max"), HasSubstr("[2,0]"), HasSubstr("size 0")));
  EXPECT_THAT(message_of<ShapeError>([&] { min(x); }), AllOf(HasSubstr("Min"), HasSubstr("[2,0]")));
  EXPECT_EQ(max(x, 0).shape(), Shape{0});  // a non-empty reduced axis: fine, an empty result
  EXPECT_EQ(sum(x, 1).value()[1], 0.0);
  EXPECT_TRUE(std::isnan(mean(x, 1).value()[0]));
}

TEST(ReduceShapes, KeepdimAndAllAxes) {
  Graph<float> graph;
  Var<float> x = graph.input(Tensor<float>(Shape{2, 3, 4}));
  EXPECT_EQ(sum(x).shape(), Shape{});
  EXPECT_EQ(sum(x, std::span<const std::int64_t>()).shape(), Shape{});
  EXPECT_EQ(sum(x, {}).shape(), Shape{});  // an empty list: all axes
  EXPECT_EQ(min(x, {}, true).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(mean(x, {0, 2}).shape(), Shape{3});
  EXPECT_EQ(mean(x, {0, 2}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(max(x, -1, true).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(logsumexp(x, {}).shape(), Shape{});
  EXPECT_EQ(softmax(x, 1).shape(), (Shape{2, 3, 4}));
}

}  // namespace
}  // namespace cgrad
