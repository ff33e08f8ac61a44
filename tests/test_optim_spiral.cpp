// Every optimizer, from its default learning rate, trains the seed's two-layer network
// (2 -> 100 -> 3, ReLU, softmax cross-entropy + 1e-3 L2 on both weights) on the spiral
// with mini-batches of 64 to >= 96% training accuracy within 3,000 steps, for each of the
// seeds 0-19 (data, initialisation and batch order all follow the seed). README.md and
// docs/training.md quote this test; about 30 ms per run.
#include <cstdio>
#include <gtest/gtest.h>
#include <string>

#include "cgrad.h"
#include "tests/support/spiral_data.h"

namespace cgrad {
namespace {

constexpr int kSteps = 3000;
constexpr int kEvalEvery = 100;
constexpr float kReg = 1e-3f;

double accuracy(Graph<float>& graph, Mlp<float>& model, const Dataset<float>& data) {
  graph.clear();
  NoGradGuard<float> no_grad(graph);
  const Tensor<float>& scores = model.forward(graph, graph.input(data.features())).value();
  std::size_t correct = 0;
  for (std::size_t r = 0; r < scores.rows(); ++r) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < scores.cols(); ++c) best = scores(r, c) > scores(r, best) ? c : best;
    correct += static_cast<std::int32_t>(best) == data.labels()[r];
  }
  return static_cast<double>(correct) / static_cast<double>(scores.rows());
}

class OptimSpiral : public ::testing::TestWithParam<std::tuple<std::string_view, std::uint64_t>> {};

TEST_P(OptimSpiral, ReachesNinetySixPercentWithin3000Steps) {
  const auto [name, seed] = GetParam();
  const Dataset<float> data = testing::spiral_dataset<float>(seed);
  Rng rng(seed);
  Mlp<float> model({2, 100, 3}, he<float>(rng));
  auto optimizer = make_optimizer<float>(name, model.parameters());
  MiniBatches<float> batches(data, 64, seed);
  Graph<float> graph;
  Parameter<float>& w1 = model.layers()[0].weight();
  Parameter<float>& w2 = model.layers()[1].weight();

  int first_step_at_95 = -1;
  for (int step = 1; step <= kSteps; ++step) {
    const Batch<float>& batch = batches.next();
    graph.clear();
    Var<float> scores = model.forward(graph, graph.input(batch.features));
    Var<float> loss = softmax_xent(scores, batch.labels) + l2_reg(graph.param(w1), kReg) + l2_reg(graph.param(w2), kReg);
    optimizer->zero_grad();
    graph.backward(loss);
    optimizer->step();
    if (first_step_at_95 < 0 && step % kEvalEvery == 0 && accuracy(graph, model, data) >= 0.95) first_step_at_95 = step;
  }
  const double final_accuracy = accuracy(graph, model, data);
  std::printf("[ spiral   ] %-8s seed %llu: lr %g, >=95%% first at step %d, accuracy after %d steps %.4f\n",
              std::string(name).c_str(), static_cast<unsigned long long>(seed), default_lr(name), first_step_at_95,
              kSteps, final_accuracy);
  EXPECT_GE(final_accuracy, 0.96) << name << " seed " << seed;
}

INSTANTIATE_TEST_SUITE_P(AllOptimizers, OptimSpiral,
                         ::testing::Combine(::testing::ValuesIn(kOptimizerNames), ::testing::Range<std::uint64_t>(0, 20)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param)) + "_seed" + std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace cgrad
