// NaN through the elementwise ops that compare (ReLU, LeakyReLU, Maximum, Minimum, Clamp,
// Abs): as in LibTorch, a NaN input gives a NaN output and a NaN gradient, never a quiet 0
// or a bound; anomaly mode reports it at the op. And the refusals of the family's
// arguments and shapes, with messages naming the op.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
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

template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

// One op fed NaN: its inputs, the op, and which output elements (and, in every input's
// gradient, which elements) must be NaN; every other element must be finite.
template <Real T>
struct NanCase {
  std::string op;
  std::vector<Tensor<T>> inputs;
  std::function<Var<T>(std::span<const Var<T>>)> f;
  std::vector<std::size_t> nan_at;
};

template <Real T>
std::vector<NanCase<T>> nan_cases() {
  const T n = kNaN<T>;
  const Tensor<T> x(Shape{4}, {n, T(-1.5), T(0.25), T(2)});
  const Tensor<T> a(Shape{4}, {n, T(0.5), T(1), T(-2)});
  const Tensor<T> b(Shape{4}, {T(0.25), n, T(1), T(3)});  // a tie at 2
  return {
      {"ReLU", {x}, [](auto v) { return relu(v[0]); }, {0}},
      {"LeakyReLU", {x}, [](auto v) { return leaky_relu(v[0]); }, {0}},
      {"LeakyReLU", {x}, [](auto v) { return leaky_relu(v[0], T(0.5)); }, {0}},
      {"Clamp", {x}, [](auto v) { return clamp(v[0], T(-0.5), T(0.5)); }, {0}},
      {"Clamp", {x}, [](auto v) { return clamp(v[0], -std::numeric_limits<T>::infinity(), T(0)); }, {0}},
      {"Abs", {x}, [](auto v) { return abs(v[0]); }, {0}},
      {"Maximum", {a, b}, [](auto v) { return maximum(v[0], v[1]); }, {0, 1}},
      {"Minimum", {a, b}, [](auto v) { return minimum(v[0], v[1]); }, {0, 1}},
      // NaN on one side only, each way round (a NaN must not lose to a number).
      {"Maximum", {x, Tensor<T>(Shape{4}, {T(5), T(5), T(-5), T(-5)})}, [](auto v) { return maximum(v[0], v[1]); }, {0}},
      {"Maximum", {Tensor<T>(Shape{4}, {T(5), T(5), T(-5), T(-5)}), x}, [](auto v) { return maximum(v[0], v[1]); }, {0}},
      {"Minimum", {x, Tensor<T>(Shape{4}, {T(-5), T(5), T(-5), T(5)})}, [](auto v) { return minimum(v[0], v[1]); }, {0}},
      {"Minimum", {Tensor<T>(Shape{4}, {T(-5), T(5), T(-5), T(5)}), x}, [](auto v) { return minimum(v[0], v[1]); }, {0}},
  };
}

bool contains(const std::vector<std::size_t>& v, std::size_t i) { return std::find(v.begin(), v.end(), i) != v.end(); }

template <Real T>
void expect_nan_exactly_at(const Tensor<T>& t, const std::vector<std::size_t>& nan_at, const std::string& what) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (contains(nan_at, i)) {
      EXPECT_TRUE(std::isnan(t[i])) << what << " element " << i << " is " << t[i] << ", not NaN";
    } else {
      EXPECT_TRUE(std::isfinite(t[i])) << what << " element " << i << " is " << t[i];
    }
  }
}

template <class T>
class NanElementwise : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(NanElementwise, Types);

TYPED_TEST(NanElementwise, PassesThroughForwardAndBackward) {
  using T = TypeParam;
  for (NanCase<T>& c : nan_cases<T>()) {
    std::vector<Parameter<T>> params;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) params.emplace_back(fmt::format("x{}", i), c.inputs[i]);
    Graph<T> graph;
    std::vector<Var<T>> vars;
    for (Parameter<T>& p : params) vars.push_back(graph.param(p));
    Var<T> y = c.f(vars);
    expect_nan_exactly_at(y.value(), c.nan_at, c.op + " forward");
    graph.backward(y, Tensor<T>::full(y.shape(), T(1)));
    for (Parameter<T>& p : params) expect_nan_exactly_at(p.grad(), c.nan_at, c.op + " gradient of " + p.name());
  }
}

TYPED_TEST(NanElementwise, AnomalyModeReportsTheForward) {
  using T = TypeParam;
  for (NanCase<T>& c : nan_cases<T>()) {
    std::vector<Parameter<T>> params;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) params.emplace_back(fmt::format("x{}", i), c.inputs[i]);
    Graph<T> graph;
    DetectAnomaly guard;
    std::vector<Var<T>> vars;
    for (Parameter<T>& p : params) vars.push_back(graph.param(p));
    const std::string message = message_of<NumericError>([&] { c.f(vars); });
    EXPECT_THAT(message, AllOf(HasSubstr(c.op + " forward"), HasSubstr("nan"), HasSubstr("test_nan_elementwise.cpp")));
  }
}

// The forward runs without anomaly mode; the backward with it: the op's backward is the
// first to write the NaN into a gradient, and is named.
TYPED_TEST(NanElementwise, AnomalyModeReportsTheBackward) {
  using T = TypeParam;
  for (NanCase<T>& c : nan_cases<T>()) {
    std::vector<Parameter<T>> params;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) params.emplace_back(fmt::format("x{}", i), c.inputs[i]);
    Graph<T> graph;
    std::vector<Var<T>> vars;
    for (Parameter<T>& p : params) vars.push_back(graph.param(p));
    Var<T> y = c.f(vars);
    DetectAnomaly guard;
    const std::string message = message_of<NumericError>([&] { graph.backward(y, Tensor<T>::full(y.shape(), T(1))); });
    EXPECT_THAT(message, AllOf(HasSubstr(c.op + " backward"), HasSubstr("nan")));
  }
}

// A NaN in a broadcast operand's partner reaches the broadcast operand's summed gradient.
TEST(NanElementwise, BroadcastOperandGradientSumsTheNaN) {
  Parameter<double> x("x", Tensor<double>(Shape{2, 2}, {kNaN<double>, 1.0, -1.0, 0.0}));
  Parameter<double> zero("zero", Tensor<double>::scalar(0.0));
  Graph<double> graph;
  Var<double> y = maximum(graph.param(x), graph.param(zero));
  graph.backward(y, Tensor<double>::full(y.shape(), 1.0));
  EXPECT_TRUE(std::isnan(zero.grad()[0]));
  EXPECT_EQ(x.grad()[1], 1.0);
  EXPECT_EQ(x.grad()[2], 0.0);
  EXPECT_EQ(x.grad()[3], 0.5);  // the tie at 0
}

TEST(ErrorsElementwise, BinaryShapeMessagesNameTheOpAndShapes) {
  Graph<double> graph;
  Var<double> a = graph.input(Tensor<double>(Shape{4, 3}));
  Var<double> b = graph.input(Tensor<double>(Shape{2, 3}));
  EXPECT_EQ(message_of<ShapeError>([&] { pow(a, b); }), "Pow: cannot broadcast [4,3] with [2,3]");
  EXPECT_EQ(message_of<ShapeError>([&] { maximum(a, b); }), "Maximum: cannot broadcast [4,3] with [2,3]");
  EXPECT_EQ(message_of<ShapeError>([&] { minimum(b, a); }), "Minimum: cannot broadcast [2,3] with [4,3]");
}

TEST(ErrorsElementwise, BadArgumentsAreValueErrors) {
  Graph<float> graph;
  Var<float> x = graph.input(Tensor<float>(Shape{3}));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(message_of<ValueError>([&] { clamp(x, 1.0f, -1.0f); }),
              AllOf(HasSubstr("Clamp"), HasSubstr("min 1 is greater than max -1")));
  EXPECT_THAT(message_of<ValueError>([&] { clamp(x, kNaN<float>, 1.0f); }), HasSubstr("Clamp"));
  EXPECT_THAT(message_of<ValueError>([&] { leaky_relu(x, inf); }), HasSubstr("LeakyReLU"));
  EXPECT_THAT(message_of<ValueError>([&] { softplus(x, 0.0f); }), HasSubstr("Softplus"));
  EXPECT_THAT(message_of<ValueError>([&] { softplus(x, 1.0f, kNaN<float>); }), HasSubstr("Softplus"));
  EXPECT_THAT(message_of<ValueError>([&] { pow(x, kNaN<float>); }), HasSubstr("PowScalar"));
  EXPECT_EQ(graph.size(), 1u);  // nothing was recorded
  EXPECT_NO_THROW(clamp(x, -inf, inf));
  EXPECT_NO_THROW(clamp(x, 0.5f, 0.5f));
}

}  // namespace
}  // namespace cgrad
