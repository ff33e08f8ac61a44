// The index family (IndexSelect, Embedding, Where, MaskedFill, Dropout) and the losses
// with a reduction (NllLoss, MseLoss, BinaryCrossEntropyWithLogits): refusals that name the
// op and the shapes, masks that broadcast, dropout's statistics, and a steady step that
// allocates nothing. Values and gradients are checked by the op suite (tests/ops/).
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "expect_error.h"
#include "tests/support/allocation_counter.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

Tensor<double> iota(const Shape& shape) {
  Tensor<double> t(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i + 1);
  return t;
}

// ---- refusals ----

TEST(IndexErrors, IndexSelectOutOfRangeNamesIndexAndAxisSize) {
  Graph<double> g;
  Var<double> x = g.input(iota({4, 3}));
  const std::vector<std::int64_t> too_big{0, 3};
  EXPECT_THAT(message_of<ValueError>([&] { index_select(x, 1, too_big); }),
              AllOf(HasSubstr("IndexSelect"), HasSubstr("index 3"), HasSubstr("axis 1 of size 3"), HasSubstr("[4,3]")));
  const std::vector<std::int64_t> negative{-1};
  EXPECT_THAT(message_of<ValueError>([&] { index_select(x, 0, negative); }),
              AllOf(HasSubstr("IndexSelect"), HasSubstr("index -1"), HasSubstr("size 4")));
  EXPECT_THAT(message_of<ShapeError>([&] { index_select(x, 2, too_big); }),
              AllOf(HasSubstr("IndexSelect"), HasSubstr("axis 2"), HasSubstr("rank 2")));
}

TEST(IndexErrors, EmbeddingShapesAndIndices) {
  Graph<double> g;
  const std::vector<std::int64_t> indices{0, 1, 2};
  EXPECT_THAT(message_of<ShapeError>([&] { embedding(g.input(iota({2, 3, 4})), indices); }),
              AllOf(HasSubstr("Embedding"), HasSubstr("[2,3,4]")));
  Var<double> w = g.input(iota({5, 2}));
  EXPECT_THAT(message_of<ShapeError>([&] { embedding(w, indices, Shape{2, 2}); }),
              AllOf(HasSubstr("Embedding"), HasSubstr("3 indices"), HasSubstr("[2,2]")));
  const std::vector<std::int64_t> bad{4, 5};
  EXPECT_THAT(message_of<ValueError>([&] { embedding(w, bad); }),
              AllOf(HasSubstr("Embedding"), HasSubstr("index 5"), HasSubstr("5 rows"), HasSubstr("[5,2]")));
}

TEST(IndexErrors, WhereNamesAllThreeShapes) {
  Graph<double> g;
  const std::vector<std::uint8_t> cond(2, 1);
  EXPECT_THAT(message_of<ShapeError>([&] { where(cond, Shape{2}, g.input(iota({3, 4})), g.input(iota({4}))); }),
              AllOf(HasSubstr("Where"), HasSubstr("[2]"), HasSubstr("[3,4]"), HasSubstr("[4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { where(cond, Shape{4}, g.input(iota({3, 2})), g.input(iota({3, 2}))); }),
              AllOf(HasSubstr("Where"), HasSubstr("2 condition values"), HasSubstr("[4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { where(cond, Shape{2}, g.input(iota({3})), g.input(iota({2}))); }),
              AllOf(HasSubstr("Where"), HasSubstr("[3]"), HasSubstr("[2]")));
}

TEST(IndexErrors, MaskedFillMaskMustBroadcastToTheInput) {
  Graph<double> g;
  const std::vector<std::uint8_t> mask(12, 1);
  // [3,4] and [3,1] broadcast together, but the output must keep the input's shape.
  EXPECT_THAT(message_of<ShapeError>([&] { masked_fill(g.input(iota({3, 1})), mask, Shape{3, 4}, 0.0); }),
              AllOf(HasSubstr("MaskedFill"), HasSubstr("[3,4]"), HasSubstr("[3,1]")));
  EXPECT_THAT(message_of<ShapeError>([&] { masked_fill(g.input(iota({3, 4})), mask, Shape{2, 4}, 0.0); }),
              AllOf(HasSubstr("MaskedFill"), HasSubstr("12 mask values"), HasSubstr("[2,4]")));
}

TEST(IndexErrors, DropoutProbabilityOutsideZeroOne) {
  Graph<double> g;
  Var<double> x = g.input(iota({2, 2}));
  std::mt19937_64 rng(1);
  for (const double p : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THAT(message_of<ValueError>([&] { dropout(x, p, rng); }), AllOf(HasSubstr("Dropout"), HasSubstr("[0, 1]")));
    EXPECT_THAT(message_of<ValueError>([&] { dropout(x, p, rng, /*training=*/false); }), HasSubstr("Dropout"));
  }
}

TEST(LossErrors, NllLossShapesAndLabels) {
  Graph<double> g;
  const std::vector<std::int32_t> labels{0, 1};
  EXPECT_THAT(message_of<ShapeError>([&] { nll_loss(g.input(iota({2, 3, 1})), labels); }),
              AllOf(HasSubstr("NllLoss"), HasSubstr("[2,3,1]")));
  EXPECT_THAT(message_of<ShapeError>([&] { nll_loss(g.input(iota({3, 4})), labels); }),
              AllOf(HasSubstr("NllLoss"), HasSubstr("2 labels"), HasSubstr("[3,4]")));
  const std::vector<std::int32_t> bad{0, 4};
  EXPECT_THAT(message_of<ValueError>([&] { nll_loss(g.input(iota({2, 4})), bad, Reduction::sum); }),
              AllOf(HasSubstr("NllLoss"), HasSubstr("label 4"), HasSubstr("row 1"), HasSubstr("[0,4)")));
  const std::vector<std::int32_t> negative{-1, 0};
  EXPECT_THAT(message_of<ValueError>([&] { nll_loss(g.input(iota({2, 4})), negative); }),
              AllOf(HasSubstr("NllLoss"), HasSubstr("label -1"), HasSubstr("row 0")));
}

TEST(LossErrors, MseAndBceNeedTheSameShape) {
  Graph<double> g;
  Var<double> a = g.input(iota({2, 3})), b = g.input(iota({3}));
  EXPECT_THAT(message_of<ShapeError>([&] { mse_loss(a, b); }),
              AllOf(HasSubstr("MseLoss"), HasSubstr("[2,3]"), HasSubstr("[3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { binary_cross_entropy_with_logits(a, b, Reduction::none); }),
              AllOf(HasSubstr("BinaryCrossEntropyWithLogits"), HasSubstr("[2,3]"), HasSubstr("[3]")));
  EXPECT_THAT(message_of<ValueError>([&] { mse_loss(a, a, static_cast<Reduction>(7)); }),
              AllOf(HasSubstr("MseLoss"), HasSubstr("reduction 7")));
}

// ---- masks that broadcast ----

TEST(IndexMasks, WhereWithABroadcastCondition) {
  Graph<double> g;
  Parameter<double> pa("a", iota({3, 4}));
  Parameter<double> pb("b", Tensor<double>::scalar(-1.0));
  const std::vector<std::uint8_t> cond{1, 0, 7};  // a column: rows 0 and 2 take a
  Var<double> y = where(cond, Shape{3, 1}, g.param(pa), g.param(pb));
  ASSERT_EQ(y.shape(), (Shape{3, 4}));
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 4; ++c)
      EXPECT_EQ(y.value()(r, c), r == 1 ? -1.0 : static_cast<double>(r * 4 + c + 1));
  g.backward(y, Tensor<double>::full(Shape{3, 4}, 2.0));
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(pa.grad()(r, c), r == 1 ? 0.0 : 2.0);
  EXPECT_EQ(pb.grad()[0], 8.0);  // four elements of row 1, gradient 2 each, summed
}

TEST(IndexMasks, MaskedFillWithARowMask) {
  Graph<double> g;
  Parameter<double> px("x", iota({2, 3, 3}));
  const std::vector<std::uint8_t> mask{0, 1, 0};
  Var<double> y = masked_fill(g.param(px), mask, Shape{3}, -5.0);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  for (std::size_t i = 0; i < y.value().size(); ++i) EXPECT_EQ(y.value()[i], i % 3 == 1 ? -5.0 : double(i + 1));
  g.backward(y, Tensor<double>::full(Shape{2, 3, 3}, 1.5));
  for (std::size_t i = 0; i < px.grad().size(); ++i) EXPECT_EQ(px.grad()[i], i % 3 == 1 ? 0.0 : 1.5);
}

TEST(IndexMasks, WhereAndMaskedFillPassNaN) {
  Graph<double> g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Var<double> a = g.input(Tensor<double>(Shape{2}, {nan, 1.0}));
  Var<double> b = g.input(Tensor<double>(Shape{2}, {2.0, nan}));
  const std::vector<std::uint8_t> cond{1, 0};
  Var<double> y = where(cond, Shape{2}, a, b);
  EXPECT_TRUE(std::isnan(y.value()[0]));
  EXPECT_TRUE(std::isnan(y.value()[1]));
  const std::vector<std::uint8_t> fill{0, 1};
  Var<double> z = masked_fill(a, fill, Shape{2}, 3.0);
  EXPECT_TRUE(std::isnan(z.value()[0]));
  EXPECT_EQ(z.value()[1], 3.0);
}

// ---- dropout ----

TEST(Dropout, KeepsAboutOneMinusPAndScalesTheKept) {
  constexpr std::size_t n = 100000;
  constexpr double p = 0.3;
  Graph<double> g;
  Parameter<double> px("x", Tensor<double>::full(Shape{n}, 2.0));
  std::mt19937_64 rng(123);
  Var<double> y = dropout(g.param(px), p, rng);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = y.value()[i];
    if (v != 0) {
      ++kept;
      EXPECT_DOUBLE_EQ(v, 2.0 / (1 - p));
    }
  }
  // Binomial(n, 0.7): standard deviation ~145, so +-1% (1000) is about seven of them.
  EXPECT_NEAR(static_cast<double>(kept) / n, 1 - p, 0.01);
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += y.value()[i];
  EXPECT_NEAR(mean / n, 2.0, 0.03);  // inverted dropout keeps the expectation
  // The gradient is the same mask.
  g.backward(y, Tensor<double>::full(Shape{n}, 1.0));
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(px.grad()[i], y.value()[i] / 2.0);
}

TEST(Dropout, EvaluationAndZeroProbabilityAreIdentity) {
  Graph<float> g;
  Var<float> x = g.input(Tensor<float>(Shape{2, 3}, {1, 2, 3, 4, 5, 6}));
  std::mt19937_64 rng(5);
  const std::size_t before = g.size();
  Var<float> eval = dropout(x, 0.5, rng, /*training=*/false);
  Var<float> zero = dropout(x, 0.0, rng);
  EXPECT_EQ(eval.index(), x.index());
  EXPECT_EQ(zero.index(), x.index());
  EXPECT_EQ(g.size(), before);  // nothing recorded
  std::mt19937_64 untouched(5);
  EXPECT_EQ(rng(), untouched());  // and nothing drawn
}

TEST(Dropout, ProbabilityOneGivesZeros) {
  Graph<float> g;
  std::mt19937_64 rng(5);
  Var<float> y = dropout(g.input(Tensor<float>(Shape{3}, {1, -2, 3})), 1.0, rng);
  for (float v : y.value().span()) EXPECT_EQ(v, 0.0f);
}

TEST(Dropout, SameSeedSameMaskAcrossPrecisionsAndGeneratorKinds) {
  Graph<float> gf;
  Graph<double> gd;
  std::mt19937_64 rf(99), rd(99);
  Rng nn_rng(99);  // nn's generator draws the same 64-bit words as std::mt19937_64
  Var<float> yf = dropout(gf.input(Tensor<float>::full(Shape{64}, 1.0f)), 0.5, rf);
  Var<double> yd = dropout(gd.input(Tensor<double>::full(Shape{64}, 1.0)), 0.5, rd);
  Var<double> yn = dropout(gd.input(Tensor<double>::full(Shape{64}, 1.0)), 0.5, nn_rng);
  for (std::size_t i = 0; i < 64; ++i) {
    EXPECT_EQ(yf.value()[i] == 0, yd.value()[i] == 0) << i;
    EXPECT_EQ(yn.value()[i], yd.value()[i]) << i;
  }
}

// ---- aliases ----

TEST(LossAliases, CrossEntropyRecordsSoftmaxXent) {
  Graph<double> g;
  Var<double> s = g.input(Tensor<double>(Shape{2, 3}, {1, 2, 3, 3, 1, 0}));
  const std::vector<std::int32_t> labels{2, 0};
  Var<double> a = cross_entropy(s, labels);
  Var<double> b = softmax_xent(s, labels);
  EXPECT_EQ(a.item(), b.item());
  EXPECT_EQ(g.node(a.index()).name(), "SoftmaxXent");
}

// ---- a steady step allocates nothing ----

TEST(IndexLossAllocations, SteadyStepAllocatesNothing) {
  Parameter<float> table("table", Tensor<float>::full(Shape{10, 4}, 0.5f));
  Graph<float> g;
  const std::vector<std::int64_t> ids{3, 1, 3, 7, 0, 9};
  const std::vector<std::int64_t> columns{3, 0};
  const std::vector<std::uint8_t> mask{1, 0};
  const std::vector<std::int32_t> labels{0, 1, 1, 0, 1, 0};
  std::mt19937_64 rng(1);
  auto step = [&] {
    g.clear();
    Var<float> e = embedding(g.param(table), ids, Shape{6});  // [6,4]
    Var<float> d = dropout(e, 0.25, rng);
    Var<float> s = index_select(d, -1, columns);  // [6,2]
    Var<float> w = where(mask, Shape{2}, s, masked_fill(s, mask, Shape{2}, -1.0f));
    Var<float> loss = nll_loss(w, labels, Reduction::sum) + mse_loss(s, w) +
                      binary_cross_entropy_with_logits(s, w, Reduction::mean);
    g.backward(loss);
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
