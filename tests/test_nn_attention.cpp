// MultiheadAttention and TransformerBlock (nn/) against the same computations written
// with the basic ops (matmul, add, reshape, transpose, scale, masked_fill, softmax, mean,
// sqrt, div, gelu) on the same parameters: two independent paths, forward values and the
// gradients of every parameter and of the input. Then what a composition cannot show:
// train/eval for dropout, the dotted parameter names, a checkpoint round trip, refusals
// and a steady step that allocates nothing.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "cgrad.h"
#include "expect_error.h"
#include "tests/support/allocation_counter.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::message_of;
using test::uniform_tensor;

constexpr double kTolerance = 1e-10;

void expect_near(const Tensor<double>& a, const Tensor<double>& b, double tolerance, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tolerance) << what << " at " << i;
}

// Gives every parameter of `m` non-trivial values (biases and norm scales included, which
// start at 0 or 1), so that a wrong wiring of any of them shows.
void randomise(Module<double>& m, std::uint64_t seed) {
  for (const auto& [name, p] : m.named_parameters()) p->mutable_value() = uniform_tensor<double>(p->shape(), seed++, -0.5, 0.5);
}

// The gradients of every parameter of `m` and of the input after one backward, by name.
struct Gradients {
  Tensor<double> out, dx;
  std::vector<std::pair<std::string, Tensor<double>>> parameters;
};

// Runs `path` on x and back-propagates sum(out * weights) into fresh gradients.
template <class Path>
Gradients run(Module<double>& m, Parameter<double>& x, const Path& path) {
  m.zero_grad();
  x.zero_grad();
  Graph<double> g;
  Var<double> out = path(g, g.param(x));
  g.backward(sum(out * g.input(uniform_tensor<double>(out.shape(), 99))));
  Gradients result{out.value(), x.grad(), {}};
  for (const auto& [name, p] : m.named_parameters()) result.parameters.emplace_back(name, p->grad());
  return result;
}

void expect_same(const Gradients& a, const Gradients& b) {
  expect_near(a.out, b.out, kTolerance, "output");
  expect_near(a.dx, b.dx, kTolerance, "d input");
  ASSERT_EQ(a.parameters.size(), b.parameters.size());
  for (std::size_t i = 0; i < a.parameters.size(); ++i)
    expect_near(a.parameters[i].second, b.parameters[i].second, kTolerance, "d " + a.parameters[i].first);
}

// ---- the composition of basic ops ----

// x [N,L,E]·W + b, as [N,H,L,D].
Var<double> heads_of(Graph<double>& g, Var<double> x, Linear<double>& projection, std::int64_t heads) {
  const auto n = static_cast<std::int64_t>(x.shape()[0]), length = static_cast<std::int64_t>(x.shape()[1]),
             width = static_cast<std::int64_t>(x.shape()[2]);
  Var<double> y = matmul(x, g.param(projection.weight())) + g.param(projection.bias());
  return transpose(reshape(y, {n, length, heads, width / heads}), 1, 2);
}

// softmax(q·kᵀ/√D, masked)·v per head, merged, projected: MultiheadAttention by hand.
// `hidden` [N,H,L,S] bytes are true where the key is left out.
Var<double> composed_attention(Graph<double>& g, MultiheadAttention<double>& mha, Var<double> query, Var<double> key,
                               Var<double> value, const std::vector<std::uint8_t>& hidden) {
  const auto heads = static_cast<std::int64_t>(mha.num_heads());
  Var<double> q = heads_of(g, query, mha.q_proj(), heads), k = heads_of(g, key, mha.k_proj(), heads),
              v = heads_of(g, value, mha.v_proj(), heads);
  const double head_dim = static_cast<double>(mha.embed_dim() / mha.num_heads());
  Var<double> scores = scale(matmul(q, transpose(k, -1, -2)), 1 / std::sqrt(head_dim));
  if (!hidden.empty()) scores = masked_fill(scores, hidden, scores.shape(), -std::numeric_limits<double>::infinity());
  Var<double> attended = matmul(softmax(scores, -1), v);  // [N,H,L,D]
  const auto n = static_cast<std::int64_t>(query.shape()[0]), length = static_cast<std::int64_t>(query.shape()[1]);
  Var<double> merged = reshape(transpose(attended, 1, 2), {n, length, static_cast<std::int64_t>(mha.embed_dim())});
  return matmul(merged, g.param(mha.out_proj().weight())) + g.param(mha.out_proj().bias());
}

// The positions of the scores [N,H,L,S] that a causal attention leaves out (key j > query i).
std::vector<std::uint8_t> causal_hidden(std::size_t n, std::size_t heads, std::size_t length, std::size_t keys) {
  std::vector<std::uint8_t> hidden(n * heads * length * keys);
  for (std::size_t flat = 0; flat < hidden.size(); ++flat) hidden[flat] = (flat % keys) > (flat / keys) % length ? 1 : 0;
  return hidden;
}

// (x − mean) / √(var + eps) · w + b over the last axis, from means, a square root and a division.
Var<double> composed_layer_norm(Graph<double>& g, Var<double> x, LayerNorm<double>& norm) {
  Var<double> centred = x - mean(x, -1, true);
  Var<double> variance = mean(centred * centred, -1, true);
  return centred / sqrt(variance + 1e-5) * g.param(norm.weight()) + g.param(norm.bias());
}

Var<double> composed_block(Graph<double>& g, TransformerBlock<double>& block, Var<double> x, bool causal) {
  const Shape s = x.shape();
  std::vector<std::uint8_t> hidden;
  if (causal) hidden = causal_hidden(s[0], block.attn().num_heads(), s[1], s[1]);
  Var<double> normed = composed_layer_norm(g, x, block.ln1());
  x = x + composed_attention(g, block.attn(), normed, normed, normed, hidden);
  Var<double> h = composed_layer_norm(g, x, block.ln2());
  h = gelu(matmul(h, g.param(block.mlp_in().weight())) + g.param(block.mlp_in().bias()));
  h = matmul(h, g.param(block.mlp_out().weight())) + g.param(block.mlp_out().bias());
  return x + h;
}

// ---- MultiheadAttention ----

class MhaAgainstComposition : public ::testing::TestWithParam<bool> {};

TEST_P(MhaAgainstComposition, SelfAttentionValuesAndGradientsAgree) {
  const bool causal = GetParam();
  Rng rng(1);
  MultiheadAttention<double> mha(MultiheadAttentionOptions(8, 2).causal(causal), rng);
  randomise(mha, 10);
  Parameter<double> x("x", uniform_tensor<double>(Shape{2, 5, 8}, 2));
  const Gradients module = run(mha, x, [&](Graph<double>& g, Var<double> in) { return mha.forward(g, in); });
  const std::vector<std::uint8_t> hidden = causal ? causal_hidden(2, 2, 5, 5) : std::vector<std::uint8_t>{};
  const Gradients composed =
      run(mha, x, [&](Graph<double>& g, Var<double> in) { return composed_attention(g, mha, in, in, in, hidden); });
  expect_same(module, composed);
}

INSTANTIATE_TEST_SUITE_P(CausalOrNot, MhaAgainstComposition, ::testing::Bool());

TEST(Mha, CausalDiffersFromFullAndTheFirstPositionSeesOnlyItself) {
  Rng rng(1);
  MultiheadAttention<double> mha(MultiheadAttentionOptions(8, 4), rng);
  randomise(mha, 10);
  const Tensor<double> x = uniform_tensor<double>(Shape{1, 4, 8}, 2);
  Graph<double> g;
  const Tensor<double> full = mha.forward(g, g.input(x)).value();
  mha.set_causal(true);
  const Tensor<double> causal = mha.forward(g, g.input(x)).value();
  // Changing the last position changes nothing before it in causal mode.
  Tensor<double> changed = x;
  for (std::size_t e = 0; e < 8; ++e) changed[3 * 8 + e] += 1.0;
  const Tensor<double> causal_changed = mha.forward(g, g.input(changed)).value();
  for (std::size_t i = 0; i < 3 * 8; ++i) EXPECT_EQ(causal[i], causal_changed[i]) << i;
  double difference = 0;
  for (std::size_t i = 0; i < full.size(); ++i) difference += std::abs(full[i] - causal[i]);
  EXPECT_GT(difference, 1e-3);
}

TEST(Mha, CrossAttentionWithKeyPaddingAgreesWithTheComposition) {
  Rng rng(3);
  MultiheadAttention<double> mha(MultiheadAttentionOptions(6, 3), rng);
  randomise(mha, 20);
  const Tensor<double> key = uniform_tensor<double>(Shape{2, 7, 6}, 4), value = uniform_tensor<double>(Shape{2, 7, 6}, 5);
  const std::vector<std::uint8_t> padding{1, 1, 1, 1, 1, 0, 0,  // sequence 0 has 5 keys
                                          1, 1, 1, 1, 1, 1, 1};
  std::vector<std::uint8_t> hidden(2 * 3 * 4 * 7);
  for (std::size_t flat = 0; flat < hidden.size(); ++flat)
    hidden[flat] = padding[(flat / (3 * 4 * 7)) * 7 + flat % 7] == 0 ? 1 : 0;
  Parameter<double> query("query", uniform_tensor<double>(Shape{2, 4, 6}, 6));
  const Gradients module = run(mha, query, [&](Graph<double>& g, Var<double> q) {
    AttentionOptions options;
    options.mask = AttentionMask{padding, Shape{2, 1, 1, 7}};
    return mha.forward(g, q, g.input(key), g.input(value), options);
  });
  const Gradients composed = run(mha, query, [&](Graph<double>& g, Var<double> q) {
    return composed_attention(g, mha, q, g.input(key), g.input(value), hidden);
  });
  expect_same(module, composed);
}

TEST(Mha, InitialisationAsPyTorch) {
  Rng rng(7);
  MultiheadAttention<double> mha(MultiheadAttentionOptions(64, 4), rng);
  const double in_bound = std::sqrt(6.0 / (4 * 64)), out_bound = 1 / std::sqrt(64.0);
  for (Linear<double>* projection : {&mha.q_proj(), &mha.k_proj(), &mha.v_proj()}) {
    double largest = 0;
    for (double w : projection->weight().value().span()) largest = std::max(largest, std::abs(w));
    EXPECT_LE(largest, in_bound);
    EXPECT_GT(largest, 0.9 * in_bound);
    for (double b : projection->bias().value().span()) EXPECT_EQ(b, 0.0);
  }
  double largest = 0;
  for (double w : mha.out_proj().weight().value().span()) largest = std::max(largest, std::abs(w));
  EXPECT_LE(largest, out_bound);
  EXPECT_GT(largest, 0.9 * out_bound);
  for (double b : mha.out_proj().bias().value().span()) EXPECT_EQ(b, 0.0);
}

TEST(Mha, ParameterNames) {
  Rng rng(1);
  MultiheadAttention<float> mha(MultiheadAttentionOptions(8, 2), rng);
  std::vector<std::string> names;
  for (const auto& [name, p] : mha.named_parameters()) names.push_back(name);
  EXPECT_THAT(names, ElementsAre("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias", "v_proj.weight",
                                 "v_proj.bias", "out_proj.weight", "out_proj.bias"));
  MultiheadAttention<float> without_bias(MultiheadAttentionOptions(8, 2).bias(false), rng);
  EXPECT_EQ(without_bias.named_parameters().size(), 4u);
}

TEST(MhaDropout, EvalIsDeterministicAndEqualsNoDropout) {
  Rng first(5), second(5);
  MultiheadAttention<double> dropping(MultiheadAttentionOptions(8, 2).dropout(0.5), first);
  MultiheadAttention<double> plain(MultiheadAttentionOptions(8, 2), second);
  const Tensor<double> x = uniform_tensor<double>(Shape{2, 6, 8}, 2);
  Graph<double> g;
  const Tensor<double> reference = plain.forward(g, g.input(x)).value();
  const Tensor<double> trained_once = dropping.forward(g, g.input(x)).value();
  const Tensor<double> trained_twice = dropping.forward(g, g.input(x)).value();
  EXPECT_NE(trained_once.span()[0], reference.span()[0]);
  EXPECT_FALSE(std::equal(trained_once.span().begin(), trained_once.span().end(), trained_twice.span().begin()))
      << "each training step draws a new mask";
  dropping.eval();
  for (int run = 0; run < 2; ++run) {
    const Tensor<double> evaluated = dropping.forward(g, g.input(x)).value();
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(evaluated[i], reference[i]) << i;
  }
}

TEST(MhaErrors, ShapesAndOptionsAreNamed) {
  Rng rng(1);
  EXPECT_THAT(message_of<ValueError>([&] { MultiheadAttention<float>(MultiheadAttentionOptions(10, 4), rng); }),
              AllOf(HasSubstr("MultiheadAttention"), HasSubstr("embed_dim = 10 is not divisible by num_heads = 4")));
  EXPECT_THAT(message_of<ValueError>([&] { MultiheadAttention<float>(MultiheadAttentionOptions(8, 0), rng); }),
              HasSubstr("must both be > 0"));
  EXPECT_THAT(message_of<ValueError>([&] { MultiheadAttention<float>(MultiheadAttentionOptions(8, 2).dropout(1.5), rng); }),
              HasSubstr("dropout = 1.5"));
  MultiheadAttention<float> mha(MultiheadAttentionOptions(128, 4), rng);
  Graph<float> g;
  auto in = [&](Shape s) { return g.input(Tensor<float>(s)); };
  EXPECT_THAT(message_of<ShapeError>([&] { mha.forward(g, in({2, 5, 64})); }),
              HasSubstr("MultiheadAttention: expected input [N,L,128], got [2,5,64]"));
  EXPECT_THAT(message_of<ShapeError>([&] { mha.forward(g, in({5, 128})); }), HasSubstr("got [5,128]"));
  EXPECT_THAT(message_of<ShapeError>([&] { mha.forward(g, in({2, 5, 128}), in({2, 7, 128}), in({2, 6, 128})); }),
              AllOf(HasSubstr("must agree on N and S"), HasSubstr("key [2,7,128], value [2,6,128]")));
  EXPECT_THAT(message_of<ShapeError>([&] { mha.forward(g, in({2, 5, 128}), in({2, 7, 64}), in({2, 7, 128})); }),
              HasSubstr("expected key [N,L,128], got [2,7,64]"));
  EXPECT_THAT(message_of<ValueError>([&] {
                mha.forward(g, in({2, 5, 128}), in({2, 5, 128}), in({2, 5, 128}), {.dropout_p = 0.1});
              }),
              HasSubstr("dropout_p = 0.1 must be 0"));
  EXPECT_THAT(message_of<ValueError>([&] {
                mha.forward(g, in({2, 5, 128}), in({2, 5, 128}), in({2, 5, 128}), {.heads = 4});
              }),
              HasSubstr("attention.heads = 4 must be 0"));
}

// ---- TransformerBlock ----

class BlockAgainstComposition : public ::testing::TestWithParam<bool> {};

TEST_P(BlockAgainstComposition, ValuesAndGradientsAgree) {
  const bool causal = GetParam();
  Rng rng(11);
  TransformerBlock<double> block(TransformerBlockOptions(8, 2).causal(causal), rng);
  randomise(block, 30);
  Parameter<double> x("x", uniform_tensor<double>(Shape{2, 5, 8}, 3));
  const Gradients module = run(block, x, [&](Graph<double>& g, Var<double> in) { return block.forward(g, in); });
  const Gradients composed =
      run(block, x, [&](Graph<double>& g, Var<double> in) { return composed_block(g, block, in, causal); });
  expect_same(module, composed);
}

INSTANTIATE_TEST_SUITE_P(CausalOrNot, BlockAgainstComposition, ::testing::Bool());

TEST(Block, ParameterNamesAreStable) {
  Rng rng(1);
  TransformerBlock<float> block(TransformerBlockOptions(8, 2), rng);
  std::vector<std::string> names;
  std::vector<Shape> shapes;
  for (const auto& [name, p] : block.named_parameters()) {
    names.push_back(name);
    shapes.push_back(p->shape());
  }
  EXPECT_THAT(names, ElementsAre("ln1.weight", "ln1.bias", "attn.q_proj.weight", "attn.q_proj.bias",
                                 "attn.k_proj.weight", "attn.k_proj.bias", "attn.v_proj.weight", "attn.v_proj.bias",
                                 "attn.out_proj.weight", "attn.out_proj.bias", "ln2.weight", "ln2.bias",
                                 "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"));
  EXPECT_EQ(shapes[12], (Shape{8, 32}));
  EXPECT_EQ(shapes[14], (Shape{32, 8}));
  EXPECT_TRUE(block.named_buffers().empty());
}

TEST(BlockDropout, EvalIsDeterministicAndEqualsNoDropout) {
  Rng first(5), second(5);
  TransformerBlock<double> dropping(TransformerBlockOptions(8, 2).dropout(0.3).causal(true), first);
  TransformerBlock<double> plain(TransformerBlockOptions(8, 2).causal(true), second);
  const Tensor<double> x = uniform_tensor<double>(Shape{2, 6, 8}, 2);
  Graph<double> g;
  const Tensor<double> reference = plain.forward(g, g.input(x)).value();
  const Tensor<double> trained = dropping.forward(g, g.input(x)).value();
  double difference = 0;
  for (std::size_t i = 0; i < x.size(); ++i) difference += std::abs(trained[i] - reference[i]);
  EXPECT_GT(difference, 1e-3) << "training mode drops";
  dropping.eval();
  EXPECT_FALSE(dropping.attn().is_training()) << "eval() reaches the children";
  for (int run = 0; run < 2; ++run) {
    const Tensor<double> evaluated = dropping.forward(g, g.input(x)).value();
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(evaluated[i], reference[i]) << i;
  }
}

TEST(BlockErrors, ShapesAndOptionsAreNamed) {
  Rng rng(1);
  EXPECT_THAT(message_of<ValueError>([&] { TransformerBlock<float>(TransformerBlockOptions(10, 4), rng); }),
              AllOf(HasSubstr("TransformerBlock"), HasSubstr("embed_dim = 10"), HasSubstr("num_heads = 4")));
  TransformerBlock<float> block(TransformerBlockOptions(16, 4), rng);
  Graph<float> g;
  EXPECT_THAT(message_of<ShapeError>([&] { block.forward(g, g.input(Tensor<float>(Shape{2, 5, 12}))); }),
              HasSubstr("TransformerBlock: expected input [N,L,16], got [2,5,12]"));
}

class BlockCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cgrad_nn_attention_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(BlockCheckpoint, RoundTripsBitForBitAndGivesTheSameOutput) {
  Rng first(1), second(2);
  TransformerBlock<float> saved(TransformerBlockOptions(8, 2).causal(true), first);
  TransformerBlock<float> loaded(TransformerBlockOptions(8, 2).causal(true), second);
  saved.ln1().weight().mutable_value().fill(0.75f);  // not the initial ones
  saved.eval();
  loaded.eval();
  const std::filesystem::path file = dir_ / "block.safetensors";
  save_checkpoint(file, saved);
  load_checkpoint(file, loaded);
  const auto a = saved.named_parameters(), b = loaded.named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(std::equal(a[i].second->value().span().begin(), a[i].second->value().span().end(),
                           b[i].second->value().span().begin()))
        << a[i].first;
  }
  const Tensor<float> x = uniform_tensor<float>(Shape{2, 4, 8}, 3);
  Graph<float> g;
  const Tensor<float> from_saved = saved.forward(g, g.input(x)).value(), from_loaded = loaded.forward(g, g.input(x)).value();
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(from_saved[i], from_loaded[i]);
}

TEST(BlockAllocations, SteadyTrainingStepAllocatesNothing) {
  Rng rng(1);
  TransformerBlock<float> block(TransformerBlockOptions(16, 4).dropout(0.1).causal(true), rng);
  const Tensor<float> x = uniform_tensor<float>(Shape{2, 8, 16}, 2);
  Graph<float> g;
  auto step = [&] {
    g.clear();
    block.zero_grad();
    g.backward(sum(block.forward(g, g.input(x))));
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
