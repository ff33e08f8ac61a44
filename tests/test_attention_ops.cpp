// ScaledDotProductAttention against the same attention written with the basic ops
// (matmul, transpose, scale, masked_fill, softmax, matmul) on the same data: two
// independent paths, forward values and every input's gradient. Then what the composition
// cannot show: rows that see no key, dropout's statistics and its p = 0 case, refusals,
// and a steady step that allocates nothing. The op suite (tests/ops/attention_samples.cpp)
// checks the gradients against central differences and the forward against NumPy.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#include "expect_error.h"
#include "tests/support/allocation_counter.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;
using test::uniform_tensor;

struct Problem {
  Shape q, k, v;
  bool causal = false;
  std::optional<Shape> mask_shape{};  // a random boolean mask of this shape
  std::optional<double> scale{};
};

// The masked-out positions of the scores [B...,L,S] as masked_fill wants them (true =
// filled with -inf): the causal upper triangle and the boolean mask's false entries.
std::vector<std::uint8_t> filled_positions(const Shape& scores, bool causal, const std::vector<std::uint8_t>& mask,
                                           const Shape& mask_shape) {
  const std::size_t rank = scores.rank(), queries = scores[rank - 2], keys = scores[rank - 1];
  std::vector<std::uint8_t> filled(scores.size(), 0);
  for (std::size_t flat = 0; flat < scores.size(); ++flat) {
    const std::size_t i = (flat / keys) % queries, j = flat % keys;
    bool out = causal && j > i;
    if (!mask.empty()) {  // the mask's element broadcast to this position
      std::size_t rest = flat, offset = 0, stride = 1;
      for (std::size_t axis = rank; axis-- > 0;) {
        const std::size_t index = rest % scores[axis];
        rest /= scores[axis];
        const std::size_t pad = rank - mask_shape.rank();
        if (axis < pad) continue;
        const std::size_t size = mask_shape[axis - pad];
        offset += (size == 1 ? 0 : index) * stride;
        stride *= size;
      }
      out = out || mask[offset] == 0;
    }
    filled[flat] = out ? 1 : 0;
  }
  return filled;
}

struct Result {
  Tensor<double> out, dq, dk, dv;
};

// Runs one path on fresh parameters and back-propagates sum(out * weights).
template <class Attention>
Result run(const Problem& p, const Attention& attention) {
  Parameter<double> q("q", uniform_tensor<double>(p.q, 1, -2, 2)), k("k", uniform_tensor<double>(p.k, 2, -2, 2)),
      v("v", uniform_tensor<double>(p.v, 3));
  Graph<double> g;
  Var<double> out = attention(g.param(q), g.param(k), g.param(v));
  const Tensor<double> weights = uniform_tensor<double>(out.shape(), 4);
  g.backward(sum(out * g.input(weights)));
  return {out.value(), q.grad(), k.grad(), v.grad()};
}

void expect_near(const Tensor<double>& a, const Tensor<double>& b, double tolerance, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tolerance) << what << " at " << i;
}

class AttentionAgainstComposition : public ::testing::TestWithParam<Problem> {};

TEST_P(AttentionAgainstComposition, ValuesAndGradientsAgree) {
  const Problem& p = GetParam();
  std::vector<std::uint8_t> mask;
  if (p.mask_shape) {
    const Tensor<double> u = uniform_tensor<double>(*p.mask_shape, 5);
    for (double x : u.span()) mask.push_back(x > -0.5 ? 1 : 0);  // mostly true
  }
  Shape scores = p.q;
  scores[scores.rank() - 1] = p.k[p.k.rank() - 2];
  const std::vector<std::uint8_t> filled = filled_positions(scores, p.causal, mask, p.mask_shape.value_or(Shape{}));
  // The composition gives NaN for a query that sees no key; keep such rows out of this test.
  for (std::size_t row = 0; row < scores.size() / scores.cols(); ++row) {
    bool any = false;
    for (std::size_t j = 0; j < scores.cols(); ++j) any = any || filled[row * scores.cols() + j] == 0;
    ASSERT_TRUE(any) << "the problem has a query that sees no key";
  }
  const double factor = p.scale.value_or(1.0 / std::sqrt(static_cast<double>(p.q[p.q.rank() - 1])));

  const Result fused = run(p, [&](Var<double> q, Var<double> k, Var<double> v) {
    AttentionOptions options{.causal = p.causal, .scale = p.scale};
    if (p.mask_shape) options.mask = AttentionMask{mask, *p.mask_shape};
    return scaled_dot_product_attention(q, k, v, options);
  });
  const Result composed = run(p, [&](Var<double> q, Var<double> k, Var<double> v) {
    Var<double> s = scale(matmul(q, transpose(k, -1, -2)), factor);
    s = masked_fill(s, filled, scores, -std::numeric_limits<double>::infinity());
    return matmul(softmax(s, -1), v);
  });
  expect_near(fused.out, composed.out, 1e-13, "output");
  expect_near(fused.dq, composed.dq, 1e-12, "dq");
  expect_near(fused.dk, composed.dk, 1e-12, "dk");
  expect_near(fused.dv, composed.dv, 1e-12, "dv");
}

INSTANTIATE_TEST_SUITE_P(
    Problems, AttentionAgainstComposition,
    ::testing::Values(Problem{{2, 5, 8}, {2, 7, 8}, {2, 7, 6}},                           // L < S, E != Ev
                      Problem{{2, 7, 8}, {2, 5, 8}, {2, 5, 6}, true},                     // causal, L > S
                      Problem{{2, 4, 16, 8}, {2, 4, 16, 8}, {2, 4, 16, 8}, true},         // heads, causal
                      Problem{{3, 1, 4}, {3, 9, 4}, {3, 9, 4}},                           // one query
                      Problem{{2, 2, 6, 4}, {2, 2, 6, 4}, {2, 2, 6, 3}, false, Shape{2, 1, 1, 6}},  // key padding
                      Problem{{2, 6, 4}, {2, 6, 4}, {2, 6, 3}, true, Shape{6, 6}, 0.4},   // mask, causal, scale
                      Problem{{8, 64, 32}, {8, 64, 32}, {8, 64, 32}, true}));             // the parallel path

// A query that sees no key gets weights 0: an output row of 0 and no gradient through it
// (PyTorch before 2.5 gives NaN there), while the other rows are untouched.
TEST(Attention, QueryThatSeesNoKeyGivesZerosAndZeroGradient) {
  const std::vector<std::uint8_t> mask{0, 0, 0,   // query 0 sees nothing
                                       1, 0, 1};  // query 1 sees keys 0 and 2
  Parameter<double> q("q", uniform_tensor<double>(Shape{2, 4}, 1)), k("k", uniform_tensor<double>(Shape{3, 4}, 2)),
      v("v", uniform_tensor<double>(Shape{3, 2}, 3));
  Graph<double> g;
  AttentionOptions options;
  options.mask = AttentionMask{mask, Shape{2, 3}};
  Var<double> out = scaled_dot_product_attention(g.param(q), g.param(k), g.param(v), options);
  EXPECT_EQ(out.value()[0], 0.0);
  EXPECT_EQ(out.value()[1], 0.0);
  EXPECT_TRUE(std::isfinite(out.value()[2]) && out.value()[2] != 0.0);
  g.backward(sum(out));
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(q.grad()[e], 0.0) << "dq of the blind query";
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(k.grad()[4 + e], 0.0) << "dk of the key nobody sees";
  for (double x : q.grad().span()) EXPECT_TRUE(std::isfinite(x));
}

// With v the identity, the output is the (dropped) weights themselves.
Tensor<float> identity_values(std::size_t batch, std::size_t keys) {
  Tensor<float> v(Shape{batch, keys, keys});
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t j = 0; j < keys; ++j) v[(b * keys + j) * keys + j] = 1.0f;
  return v;
}

TEST(AttentionDropout, ZeroProbabilityIsTheOpWithoutDropout) {
  const Tensor<float> q = uniform_tensor<float>(Shape{2, 5, 4}, 1), k = uniform_tensor<float>(Shape{2, 6, 4}, 2),
                      v = uniform_tensor<float>(Shape{2, 6, 3}, 3);
  Graph<float> g;
  Rng rng(1);
  Var<float> plain = scaled_dot_product_attention(g.input(q), g.input(k), g.input(v), {.causal = true});
  Var<float> with_rng = scaled_dot_product_attention(g.input(q), g.input(k), g.input(v), {.causal = true}, rng);
  ASSERT_EQ(plain.value().size(), with_rng.value().size());
  for (std::size_t i = 0; i < plain.value().size(); ++i) EXPECT_EQ(plain.value()[i], with_rng.value()[i]);
  EXPECT_EQ(rng.next(), Rng(1).next()) << "p = 0 draws nothing";
}

TEST(AttentionDropout, DropsAboutPAndScalesTheRestByOneOverOneMinusP) {
  constexpr std::size_t batch = 8, queries = 32, keys = 64;
  constexpr double p = 0.3;
  const Tensor<float> q = uniform_tensor<float>(Shape{batch, queries, 16}, 1),
                      k = uniform_tensor<float>(Shape{batch, keys, 16}, 2), v = identity_values(batch, keys);
  Graph<float> g;
  std::mt19937_64 rng(5);
  const Tensor<float> weights = scaled_dot_product_attention(g.input(q), g.input(k), g.input(v)).value();
  const Tensor<float> dropped =
      scaled_dot_product_attention(g.input(q), g.input(k), g.input(v), {.dropout_p = p}, rng).value();
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    ASSERT_GT(weights[i], 0.0f);
    if (dropped[i] == 0.0f) {
      ++zeros;
    } else {
      EXPECT_NEAR(dropped[i], weights[i] / (1 - p), 1e-6 * weights[i]);
    }
  }
  const double fraction = static_cast<double>(zeros) / static_cast<double>(weights.size());
  // 16384 draws: the standard deviation of the fraction is about 0.0036.
  EXPECT_NEAR(fraction, p, 0.02);
}

TEST(AttentionDropout, GradientPassesOnlyThroughKeptWeights) {
  // With v the identity, d out / d v[j] collects only the kept weights: dv is Pdᵀ·dO.
  Parameter<float> v("v", identity_values(1, 8));
  const Tensor<float> q = uniform_tensor<float>(Shape{1, 8, 4}, 1), k = uniform_tensor<float>(Shape{1, 8, 4}, 2);
  Graph<float> g;
  Rng rng(3);
  Var<float> out = scaled_dot_product_attention(g.input(q), g.input(k), g.param(v), {.dropout_p = 0.5}, rng);
  g.backward(sum(out));
  // sum(out) = sum over i, j of Pd[i,j] · v[j,:], so dv[j,e] = sum_i Pd[i,j] for every e.
  for (std::size_t j = 0; j < 8; ++j) {
    float column = 0;
    for (std::size_t i = 0; i < 8; ++i) column += out.value()[i * 8 + j];
    for (std::size_t e = 0; e < 8; ++e) EXPECT_NEAR(v.grad()[j * 8 + e], column, 1e-6f);
  }
}

// ---- refusals ----

TEST(AttentionErrors, ShapesAreNamed) {
  Graph<double> g;
  auto in = [&](Shape s) { return g.input(Tensor<double>(s)); };
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(in({4}), in({3, 4}), in({3, 2})); }),
              AllOf(HasSubstr("ScaledDotProductAttention"), HasSubstr("rank >= 2"), HasSubstr("q [4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(in({2, 3, 4}), in({3, 3, 4}), in({3, 3, 2})); }),
              AllOf(HasSubstr("same batch axes"), HasSubstr("q [2,3,4], k [3,3,4], v [3,3,2]")));
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(in({2, 3, 4}), in({3, 4}), in({3, 2})); }),
              AllOf(HasSubstr("same batch axes"), HasSubstr("k [3,4]")));
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(in({2, 3, 4}), in({2, 5, 3}), in({2, 5, 2})); }),
              AllOf(HasSubstr("same width E"), HasSubstr("q [2,3,4], k [2,5,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(in({2, 3, 4}), in({2, 5, 4}), in({2, 6, 2})); }),
              AllOf(HasSubstr("same number of keys S"), HasSubstr("v [2,6,2]")));
  EXPECT_THAT(message_of<ShapeError>([&] {
                scaled_dot_product_attention(in({2, 3, 4}), in({2, 5, 4}), in({2, 5, 3}), {.heads = 2});
              }),
              AllOf(HasSubstr("2 heads"), HasSubstr("multiples of 2"), HasSubstr("v [2,5,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] {
                const Shape eight{1, 1, 1, 1, 1, 1, 3, 4};
                scaled_dot_product_attention(in(eight), in(eight), in(eight), {.heads = 2});
              }),
              HasSubstr("rank at most 7"));
}

TEST(AttentionErrors, MasksAndOptions) {
  Graph<double> g;
  Var<double> q = g.input(Tensor<double>(Shape{2, 3, 4})), k = g.input(Tensor<double>(Shape{2, 5, 4})),
              v = g.input(Tensor<double>(Shape{2, 5, 2}));
  const std::vector<std::uint8_t> bytes(15, 1);
  AttentionOptions wrong_shape;
  wrong_shape.mask = AttentionMask{bytes, Shape{5, 3}};
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(q, k, v, wrong_shape); }),
              AllOf(HasSubstr("ScaledDotProductAttention"), HasSubstr("mask [5,3]"), HasSubstr("[2,3,5]")));
  // With heads side by side the mask broadcasts to the split scores [B,H,L,S].
  AttentionOptions per_head;
  per_head.heads = 2;
  per_head.mask = AttentionMask{bytes, Shape{3, 1, 5}};
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(q, k, v, per_head); }),
              AllOf(HasSubstr("mask [3,1,5]"), HasSubstr("[B...,H,L,S] = [2,2,3,5]")));
  AttentionOptions wrong_count;
  wrong_count.mask = AttentionMask{bytes, Shape{3, 4}};
  EXPECT_THAT(message_of<ShapeError>([&] { scaled_dot_product_attention(q, k, v, wrong_count); }),
              AllOf(HasSubstr("15 mask values"), HasSubstr("[3,4]")));
  EXPECT_THAT(message_of<ValueError>([&] { scaled_dot_product_attention(q, k, v, {.dropout_p = 0.1}); }),
              AllOf(HasSubstr("ScaledDotProductAttention"), HasSubstr("generator")));
  Rng rng(1);
  EXPECT_THAT(message_of<ValueError>([&] { scaled_dot_product_attention(q, k, v, {.dropout_p = 1.5}, rng); }),
              AllOf(HasSubstr("dropout_p"), HasSubstr("1.5")));
  EXPECT_THAT(message_of<ValueError>(
                  [&] { scaled_dot_product_attention(q, k, v, {.scale = std::numeric_limits<double>::infinity()}); }),
              AllOf(HasSubstr("scale"), HasSubstr("inf")));
}

// ---- a steady step allocates nothing ----

// One thread: each thread sizes its own backward scratch on its first task, so with more
// threads a worker that first joins in a late step allocates once, however long the warm-up.
TEST(AttentionAllocations, SteadyStepAllocatesNothing) {
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  Parameter<float> q("q", uniform_tensor<float>(Shape{4, 2, 32, 16}, 1)),
      k("k", uniform_tensor<float>(Shape{4, 2, 32, 16}, 2)), v("v", uniform_tensor<float>(Shape{4, 2, 32, 16}, 3));
  const std::vector<std::uint8_t> padding{1, 1, 1, 0};
  Graph<float> g;
  Rng rng(1);
  auto step = [&] {
    g.clear();
    AttentionOptions options{.causal = true, .dropout_p = 0.1};
    Var<float> out = scaled_dot_product_attention(g.param(q), g.param(k), g.param(v), options, rng);
    options.mask = AttentionMask{padding, Shape{4, 1, 1, 1}};
    options.dropout_p = 0;
    Var<float> masked = scaled_dot_product_attention(out, g.param(k), g.param(v), options);
    g.backward(sum(masked));
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
