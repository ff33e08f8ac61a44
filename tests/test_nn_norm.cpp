// The LayerNorm and BatchNorm modules against a direct composition of the basic ops on the
// same data (two independent paths must agree, values and gradients), train/eval
// behaviour, checkpoint round trips with the running buffers, and wrong input shapes.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "cgrad.h"
#include "tests/expect_error.h"

namespace cgrad::test {
namespace {

Tensor<double> wavy(const Shape& shape, double phase) {
  Tensor<double> t(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = std::sin(0.7 * static_cast<double>(i) + phase) + 0.1 * phase;
  return t;
}

void expect_close(const Tensor<double>& a, const Tensor<double>& b, double tolerance, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tolerance) << what << " at " << i;
}

// The module's output and the gradients of x, weight and bias for the output gradient dy;
// afterwards every gradient is zero and the graph empty, ready for the second path.
struct ModuleRun {
  Tensor<double> y, dx, dweight, dbias;
};

template <class Norm>
ModuleRun run_module(Graph<double>& g, Norm& norm, Parameter<double>& x, const Tensor<double>& dy) {
  g.backward(norm.forward(g, g.param(x)), dy);
  ModuleRun run{g.value(g.size() - 1), x.grad(), norm.weight().grad(), norm.bias().grad()};
  x.zero_grad();
  norm.zero_grad();
  g.clear();
  return run;
}

// The second path's output y (back-propagated already) against the module's run.
template <class Norm>
void expect_same_run(const ModuleRun& run, Var<double> y, const Parameter<double>& x, Norm& norm) {
  expect_close(run.y, y.value(), 1e-12, "y");
  expect_close(run.dx, x.grad(), 1e-12, "dx");
  expect_close(run.dweight, norm.weight().grad(), 1e-12, "dweight");
  expect_close(run.dbias, norm.bias().grad(), 1e-12, "dbias");
}

TEST(NnLayerNorm, MatchesTheCompositionOfBasicOps) {
  LayerNorm<double> norm(LayerNormOptions({3, 4}).eps(1e-3));
  norm.weight().mutable_value() = wavy({3, 4}, 1.0);
  norm.bias().mutable_value() = wavy({3, 4}, 2.0);
  Parameter<double> x("x", wavy({2, 3, 4}, 0.0));
  const Tensor<double> dy = wavy({2, 3, 4}, 3.0);
  Graph<double> g;
  const ModuleRun module = run_module(g, norm, x, dy);
  Var<double> xv = g.param(x);
  Var<double> centered = xv - mean(xv, {-2, -1}, true);
  Var<double> var = mean(centered * centered, {-2, -1}, true);
  Var<double> y = centered / sqrt(var + 1e-3) * g.param(norm.weight()) + g.param(norm.bias());
  g.backward(y, dy);
  expect_same_run(module, y, x, norm);
  EXPECT_EQ(norm.named_parameters().size(), 2u);
  EXPECT_TRUE(LayerNorm<double>(LayerNormOptions({4}).elementwise_affine(false)).named_parameters().empty());
}

TEST(NnBatchNorm2d, TrainingMatchesTheCompositionAndUpdatesTheBuffers) {
  BatchNorm2d<double> norm(BatchNormOptions(3).momentum(0.2));
  norm.weight().mutable_value() = wavy({3}, 1.0);
  norm.bias().mutable_value() = wavy({3}, 2.0);
  Parameter<double> x("x", wavy({2, 3, 2, 2}, 0.0));
  const Tensor<double> dy = wavy({2, 3, 2, 2}, 3.0);
  Graph<double> g;
  const ModuleRun module = run_module(g, norm, x, dy);
  Var<double> xv = g.param(x);
  Var<double> batch_mean = mean(xv, {0, 2, 3}, true);
  Var<double> centered = xv - batch_mean;
  Var<double> var = mean(centered * centered, {0, 2, 3}, true);
  Var<double> w = reshape(g.param(norm.weight()), {1, 3, 1, 1}), b = reshape(g.param(norm.bias()), {1, 3, 1, 1});
  Var<double> y = centered / sqrt(var + 1e-5) * w + b;
  g.backward(y, dy);
  expect_same_run(module, y, x, norm);
  // running = 0.8 * initial + 0.2 * batch statistic; the variance unbiased (8 values per channel).
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(norm.running_mean()[c], 0.2 * batch_mean.value()[c], 1e-14);
    EXPECT_NEAR(norm.running_var()[c], 0.8 + 0.2 * var.value()[c] * 8.0 / 7.0, 1e-14);
  }
}

TEST(NnBatchNorm2d, EvaluationUsesTheRunningBuffers) {
  BatchNorm2d<double> norm(BatchNormOptions(2));
  Graph<double> g;
  const Tensor<double> x = wavy({2, 2, 3, 3}, 0.5);
  const Tensor<double> trained = norm.forward(g, g.input(x)).value();
  const Tensor<double> mean_after = norm.running_mean();
  norm.eval();
  const Tensor<double> evaluated = norm.forward(g, g.input(x)).value();
  EXPECT_EQ(norm.running_mean()[0], mean_after[0]);  // evaluation leaves the buffers alone
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / 9) % 2;
    EXPECT_NEAR(evaluated[i], (x[i] - norm.running_mean()[c]) / std::sqrt(norm.running_var()[c] + 1e-5), 1e-12);
  }
  EXPECT_GT(std::abs(evaluated[0] - trained[0]), 1e-3);
}

TEST(NnBatchNorm, CheckpointRoundTripKeepsTheRunningBuffers) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "cgrad_test_nn_norm.safetensors";
  BatchNorm1d<float> saved(BatchNormOptions(4));
  Graph<float> g;
  Tensor<float> x(Shape{5, 4});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(i));
  saved.forward(g, g.input(x));
  saved.weight().mutable_value()[1] = 3.0f;
  save_checkpoint(file, saved);
  BatchNorm1d<float> loaded(BatchNormOptions(4));
  load_checkpoint(file, loaded);
  std::filesystem::remove(file);
  for (std::size_t c = 0; c < 4; ++c) {
    EXPECT_EQ(loaded.running_mean()[c], saved.running_mean()[c]);
    EXPECT_EQ(loaded.running_var()[c], saved.running_var()[c]);
    EXPECT_EQ(loaded.weight().value()[c], saved.weight().value()[c]);
  }
  const auto buffers = saved.named_buffers();
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[1].first, "running_var");
}

TEST(NnNormErrors, WrongShapesNameTheModule) {
  Graph<float> g;
  BatchNorm2d<float> bn2(BatchNormOptions(16));
  EXPECT_EQ(message_of<ShapeError>([&] { bn2.forward(g, g.input(Tensor<float>(Shape{8, 3, 28, 28}))); }),
            "BatchNorm2d: expected input [N,16,H,W], got [8,3,28,28]");
  BatchNorm1d<float> bn1(BatchNormOptions(16));
  EXPECT_EQ(message_of<ShapeError>([&] { bn1.forward(g, g.input(Tensor<float>(Shape{8, 16, 2, 2}))); }),
            "BatchNorm1d: expected input [N,16] or [N,16,L], got [8,16,2,2]");
  LayerNorm<float> ln(LayerNormOptions({128}));
  EXPECT_EQ(message_of<ShapeError>([&] { ln.forward(g, g.input(Tensor<float>(Shape{4, 64}))); }),
            "LayerNorm: x is [4,64] but normalized_shape is [128]; x must end with those axes");
}

}  // namespace
}  // namespace cgrad::test
