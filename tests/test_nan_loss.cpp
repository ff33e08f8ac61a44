// NaN through the losses with comparisons (BinaryCrossEntropyWithLogits: max(x, 0) and
// |x|; the others for good measure): without anomaly mode NaN comes out, forward and
// backward, as in LibTorch; with it, NumericError names the op.
#include <cmath>
#include <cstdint>
#include <limits>
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

template <Real T>
void expect_nan_forward_and_backward() {
  for (const Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    Graph<T> g;
    Parameter<T> px("x", Tensor<T>(Shape{4}, {T(kNaN), T(-2), T(0), T(3)}));
    Parameter<T> pt("t", Tensor<T>(Shape{4}, {T(0.5), T(1), T(kNaN), T(0)}));
    Var<T> y = binary_cross_entropy_with_logits(g.param(px), g.param(pt), r);
    if (r == Reduction::none) {
      EXPECT_TRUE(std::isnan(y.value()[0]));  // NaN logit
      EXPECT_FALSE(std::isnan(y.value()[1]));
      EXPECT_TRUE(std::isnan(y.value()[2]));  // NaN target
      EXPECT_FALSE(std::isnan(y.value()[3]));
    } else {
      EXPECT_TRUE(std::isnan(y.value()[0]));
    }
    g.backward(y, Tensor<T>::full(y.shape(), T(1)));
    EXPECT_TRUE(std::isnan(px.grad()[0]));  // sigmoid(NaN) - t
    EXPECT_TRUE(std::isnan(pt.grad()[0]));  // -NaN
    EXPECT_TRUE(std::isnan(px.grad()[2]));  // sigmoid(0) - NaN
    EXPECT_FALSE(std::isnan(px.grad()[1]));
    EXPECT_FALSE(std::isnan(pt.grad()[3]));
  }
}

TEST(NanLoss, BceWithLogitsPassesNaNFloat) { expect_nan_forward_and_backward<float>(); }
TEST(NanLoss, BceWithLogitsPassesNaNDouble) { expect_nan_forward_and_backward<double>(); }

TEST(NanLoss, MseAndNllPassNaN) {
  Graph<double> g;
  Var<double> x = g.input(Tensor<double>(Shape{2, 2}, {kNaN, 1, 2, 3}));
  Var<double> t = g.input(Tensor<double>(Shape{2, 2}, {0, 0, 0, 0}));
  EXPECT_TRUE(std::isnan(mse_loss(x, t).item()));
  EXPECT_TRUE(std::isnan(mse_loss(x, t, Reduction::none).value()[0]));
  const std::vector<std::int32_t> labels{0, 1};
  EXPECT_TRUE(std::isnan(nll_loss(x, labels, Reduction::sum).item()));
}

TEST(NanLoss, AnomalyModeNamesTheOpForward) {
  DetectAnomaly anomaly;
  Graph<double> g;
  Var<double> x = g.input(Tensor<double>(Shape{2}, {kNaN, 1}));
  Var<double> t = g.input(Tensor<double>(Shape{2}, {0, 1}));
  EXPECT_THAT(message_of<NumericError>([&] { binary_cross_entropy_with_logits(x, t); }),
              AllOf(HasSubstr("BinaryCrossEntropyWithLogits forward"), HasSubstr("nan")));
  EXPECT_THAT(message_of<NumericError>([&] { mse_loss(x, t, Reduction::sum); }), HasSubstr("MseLoss forward"));
}

TEST(NanLoss, AnomalyModeNamesTheOpBackward) {
  Graph<double> g;
  Parameter<double> px("x", Tensor<double>(Shape{2}, {0.5, -1}));
  Parameter<double> pt("t", Tensor<double>(Shape{2}, {0, 1}));
  Var<double> y = binary_cross_entropy_with_logits(g.param(px), g.param(pt), Reduction::none);
  DetectAnomaly anomaly;  // the forward was finite; a NaN comes from upstream
  EXPECT_THAT(message_of<NumericError>([&] { g.backward(y, Tensor<double>(Shape{2}, {kNaN, 1})); }),
              AllOf(HasSubstr("BinaryCrossEntropyWithLogits backward"), HasSubstr("nan")));
}

TEST(NanLoss, LargeLogitsStayFinite) {
  Graph<float> g;
  Var<float> x = g.input(Tensor<float>(Shape{4}, {100.0f, -100.0f, 1e30f, -1e30f}));
  Var<float> t = g.input(Tensor<float>(Shape{4}, {1, 0, 1, 0}));
  Var<float> y = binary_cross_entropy_with_logits(x, t, Reduction::none);
  for (float v : y.value().span()) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_EQ(y.value()[0], 0.0f);
  EXPECT_EQ(y.value()[1], 0.0f);
}

}  // namespace
}  // namespace cgrad
