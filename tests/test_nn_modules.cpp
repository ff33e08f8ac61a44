// Linear and Mlp: shapes, names, what forward computes, initialisers, and the one-line
// hand-off of a model's parameters to an optimizer.
#include <cmath>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/spiral_data.h"

namespace cgrad {
namespace {

TEST(NnLinear, ForwardIsMatmulPlusBias) {
  Linear<double> layer(2, 3, [](Tensor<double>& w) {
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>(i + 1);  // [[1,2,3],[4,5,6]]
  });
  layer.bias().mutable_value() = Tensor<double>(1, 3, {0.5, -0.5, 1});
  Graph<double> graph;
  const Tensor<double>& y = layer.forward(graph, graph.input(Tensor<double>(1, 2, {1, 2}))).value();
  EXPECT_EQ(y.shape(), (Shape{1, 3}));
  EXPECT_EQ(y[0], 9 + 0.5);
  EXPECT_EQ(y[1], 12 - 0.5);
  EXPECT_EQ(y[2], 15 + 1.0);
}

TEST(NnLinear, ParametersAndNames) {
  Rng rng(0);
  Linear<float> plain(4, 2, he<float>(rng));
  EXPECT_EQ(plain.weight().shape(), (Shape{4, 2}));
  EXPECT_EQ(plain.bias().shape(), (Shape{1, 2}));
  for (float b : plain.bias().value().span()) EXPECT_EQ(b, 0.0f);
  EXPECT_EQ(plain.named_parameters()[0].first, "weight");
  Linear<float> named(4, 2, he<float>(rng), "encoder");
  // The name prefixes the Parameters' own names; the module's names are its registered ones.
  EXPECT_EQ(named.bias().name(), "encoder.bias");
  EXPECT_EQ(named.named_parameters()[1].first, "bias");
  EXPECT_EQ(named.parameters()[0], &named.weight());
}

TEST(NnLinear, BadSizesAndInitialisersAreRefused) {
  Rng rng(0);
  EXPECT_THROW(Linear<float>(0, 3, he<float>(rng)), ValueError);
  EXPECT_THROW(Linear<float>(2, 3, [](Tensor<float>& w) { w.resize(1, 1); }), ShapeError);
}

// The sample standard deviation of a large initialised weight, against its formula.
template <class MakeInit>
double sample_stddev(std::size_t in, std::size_t out, MakeInit make) {
  Rng rng(42);
  Linear<double> layer(in, out, make(rng));
  double sum = 0, sum_sq = 0;
  for (double v : layer.weight().value().span()) {
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(in * out);
  return std::sqrt(sum_sq / n - (sum / n) * (sum / n));
}

TEST(NnInit, HeAndXavierHaveTheirVariance) {
  EXPECT_NEAR(sample_stddev(200, 300, [](Rng& r) { return he<double>(r); }), std::sqrt(2.0 / 200), 0.002);
  // U(-a, a) has stddev a / sqrt(3) = sqrt(2 / (in + out)).
  EXPECT_NEAR(sample_stddev(200, 300, [](Rng& r) { return xavier<double>(r); }), std::sqrt(2.0 / 500), 0.002);
  EXPECT_NEAR(sample_stddev(200, 300, [](Rng& r) { return normal<double>(r, 0.01); }), 0.01, 0.0002);
}

TEST(NnInit, SameSeedSameWeights) {
  Rng a(7), b(7), c(8);
  Mlp<float> first({2, 5, 3}, he<float>(a)), second({2, 5, 3}, he<float>(b)), other({2, 5, 3}, he<float>(c));
  for (std::size_t i = 0; i < first.parameters().size(); i += 2) {
    const auto x = first.parameters()[i]->value().span(), y = second.parameters()[i]->value().span();
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin()));
    EXPECT_NE(first.parameters()[i]->value()[0], other.parameters()[i]->value()[0]);
  }
}

TEST(NnMlp, LayersNamesAndForward) {
  Rng rng(0);
  Mlp<float> model({2, 100, 50, 3}, he<float>(rng));
  ASSERT_EQ(model.layers().size(), 3u);
  const auto named = model.named_parameters();
  ASSERT_EQ(named.size(), 6u);
  EXPECT_EQ(named[0].first, "0.weight");
  EXPECT_EQ(named[5].first, "2.bias");
  EXPECT_EQ(named[2].second->shape(), (Shape{100, 50}));
  Graph<float> graph;
  EXPECT_EQ(model.forward(graph, graph.input(Tensor<float>(7, 2))).shape(), (Shape{7, 3}));
  EXPECT_THROW(model.forward(graph, graph.input(Tensor<float>(7, 3))), ShapeError);
  EXPECT_THROW(Mlp<float>({2}, he<float>(rng)), ValueError);
}

// ReLU between layers and not after the last: negative scores survive.
TEST(NnMlp, NoReluAfterTheLastLayer) {
  Mlp<double> model({1, 1, 1}, [](Tensor<double>& w) { w.fill(-1); });
  Graph<double> graph;
  // hidden = relu(-x) = 2 for x = -2; score = -hidden = -2
  EXPECT_EQ(model.forward(graph, graph.input(Tensor<double>(1, 1, {-2}))).item(), -2.0);
  EXPECT_EQ(model.forward(graph, graph.input(Tensor<double>(1, 1, {2}))).item(), 0.0);
}

TEST(NnMlp, ParametersGoToAnOptimizerInOneLine) {
  Rng rng(0);
  Mlp<float> model({2, 4, 3}, he<float>(rng));
  Adam<float> adam(model.parameters(), {.lr = 0.1});
  Mlp<float> moved = std::move(model);  // the layers stay where they were
  Graph<float> graph;
  Var<float> loss = softmax_xent(moved.forward(graph, graph.input(Tensor<float>(1, 2, {1, 1}))), std::vector<std::int32_t>{2});
  adam.zero_grad();
  graph.backward(loss);
  const float before = moved.layers()[1].bias().value()[2];
  adam.step();
  EXPECT_GT(moved.layers()[1].bias().value()[2], before);  // the true class's bias rises
}

// Mini-batch, forward through the model, zero_grad and the Adam step allocate nothing
// after warm-up, partial batches and epoch boundaries included. (backward is the core's
// and has its own allocation test.)
TEST(NnMlp, SteadyStateTrainingStepAllocatesNothingOutsideBackward) {
  const Dataset<float> data = testing::spiral_dataset<float>(0);
  Rng rng(0);
  Mlp<float> model({2, 100, 3}, he<float>(rng));
  Adam<float> adam(model.parameters());
  MiniBatches<float> batches(data, 64, 0);
  Graph<float> graph;
  std::size_t allocations = 0;
  auto step = [&] {
    std::size_t before = testing::allocation_count();
    const Batch<float>& batch = batches.next();
    graph.clear();
    Var<float> loss = softmax_xent(model.forward(graph, graph.input(batch.features)), batch.labels);
    adam.zero_grad();
    allocations += testing::allocation_count() - before;
    graph.backward(loss);
    before = testing::allocation_count();
    adam.step();
    allocations += testing::allocation_count() - before;
  };
  for (int i = 0; i < 5; ++i) step();  // one epoch: every shape seen once
  allocations = 0;
  for (int i = 0; i < 15; ++i) step();
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace cgrad
