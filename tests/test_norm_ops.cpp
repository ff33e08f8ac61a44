// What the op suite's samples cannot show about layer_norm and batch_norm: the running
// statistics (momentum, the unbiased variance), evaluation against training, stability on
// near-constant slices, a steady step without allocations, and every refusal's message.
// Gradients and NumPy forward values are in tests/ops/norm_samples.cpp.
#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgrad.h"
#include "tests/expect_error.h"
#include "tests/support/allocation_counter.h"

namespace cgrad::test {
namespace {

using ::testing::HasSubstr;

// x of [4,2]: channel 0 holds 1,3,5,7 (mean 4, squared deviations 9+1+1+9 = 20), channel 1
// holds 2,4,6,8 (mean 5, the same deviations).
Tensor<double> four_by_two() { return Tensor<double>(Shape{4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}); }

TEST(BatchNormRunningStats, TrainingMovesTheBuffersByMomentumWithTheUnbiasedVariance) {
  Graph<double> g;
  Tensor<double> running_mean(Shape{2}, {0.5, -1.0}), running_var(Shape{2}, {1.0, 2.0});
  batch_norm(g.input(four_by_two()), &running_mean, &running_var, {}, {}, {.training = true, .momentum = 0.1});
  // mean: 0.9 * 0.5 + 0.1 * 4 = 0.85 and 0.9 * -1 + 0.1 * 5 = -0.4.
  EXPECT_NEAR(running_mean[0], 0.85, 1e-15);
  EXPECT_NEAR(running_mean[1], -0.4, 1e-15);
  // var: the unbiased 20 / 3, not the biased 20 / 4 that normalizes: 0.9 * 1 + 0.1 * 20/3 and 0.9 * 2 + 0.1 * 20/3.
  EXPECT_NEAR(running_var[0], 0.9 + 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(running_var[1], 1.8 + 2.0 / 3.0, 1e-15);
}

TEST(BatchNormRunningStats, CountIncludesTheSpatialAxesAndUpdatesRepeat) {
  // [2,1,2,2]: one channel of 8 values 0..7, mean 3.5, squared deviations 42, unbiased var 6.
  Tensor<float> x(Shape{2, 1, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor<float> running_mean(Shape{1}), running_var = Tensor<float>::full(Shape{1}, 1.0f);
  Graph<float> g;
  for (int step = 0; step < 2; ++step) {
    g.clear();
    batch_norm(g.input(x), &running_mean, &running_var, {}, {}, {.training = true, .momentum = 0.5});
  }
  // mean 0 -> 1.75 -> 2.625; var 1 -> 0.5 + 3 = 3.5 -> 1.75 + 3 = 4.75.
  EXPECT_FLOAT_EQ(running_mean[0], 2.625f);
  EXPECT_FLOAT_EQ(running_var[0], 4.75f);
}

TEST(BatchNormRunningStats, MomentumZeroKeepsAndOneReplaces) {
  Graph<double> g;
  Tensor<double> keep_mean(Shape{2}, {0.5, 0.5}), keep_var(Shape{2}, {3.0, 3.0});
  batch_norm(g.input(four_by_two()), &keep_mean, &keep_var, {}, {}, {.training = true, .momentum = 0.0});
  EXPECT_EQ(keep_mean[0], 0.5);
  EXPECT_EQ(keep_var[1], 3.0);
  Tensor<double> mean(Shape{2}), var(Shape{2});
  batch_norm(g.input(four_by_two()), &mean, &var, {}, {}, {.training = true, .momentum = 1.0});
  EXPECT_EQ(mean[0], 4.0);
  EXPECT_EQ(mean[1], 5.0);
  EXPECT_NEAR(var[0], 20.0 / 3.0, 1e-15);
}

TEST(BatchNormModes, EvaluationUsesTheRunningBuffersAndLeavesThemAlone) {
  Graph<double> g;
  Parameter<double> weight("weight", Tensor<double>(Shape{2}, {2.0, 0.5}));
  Parameter<double> bias("bias", Tensor<double>(Shape{2}, {0.25, -1.0}));
  Tensor<double> running_mean(Shape{2}, {1.0, -2.0}), running_var(Shape{2}, {4.0, 0.25});
  const double eps = 1e-3;
  Var<double> y = batch_norm(g.input(four_by_two()), &running_mean, &running_var, g.param(weight), g.param(bias),
                             {.training = false, .eps = eps});
  const Tensor<double> x = four_by_two();
  for (std::size_t n = 0; n < 4; ++n) {
    for (std::size_t c = 0; c < 2; ++c) {
      const double expected = (x(n, c) - running_mean[c]) / std::sqrt(running_var[c] + eps) * weight.value()[c] +
                              bias.value()[c];
      EXPECT_NEAR(y.value()(n, c), expected, 1e-14) << n << "," << c;
    }
  }
  EXPECT_EQ(running_mean[0], 1.0);
  EXPECT_EQ(running_var[1], 0.25);
}

TEST(BatchNormModes, TrainingNormalizesWithTheBatchWhateverTheBuffersHold) {
  Graph<double> g;
  Tensor<double> mean_a(Shape{2}, {100.0, 100.0}), var_a(Shape{2}, {50.0, 50.0});
  Var<double> with_buffers = batch_norm(g.input(four_by_two()), &mean_a, &var_a, {}, {}, {.training = true});
  Var<double> without = batch_norm<double>(g.input(four_by_two()), nullptr, nullptr, {}, {}, {.training = true});
  Tensor<double> mean_b(Shape{2}), var_b = Tensor<double>::full(Shape{2}, 1.0);
  Var<double> evaluation = batch_norm(g.input(four_by_two()), &mean_b, &var_b, {}, {}, {.training = false});
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(with_buffers.value()[i], without.value()[i]);
  // Channel 0, value 1: (1 - 4) / sqrt(5 + 1e-5) in training; (1 - 0) / sqrt(1 + 1e-5) in evaluation.
  EXPECT_NEAR(with_buffers.value()[0], -3.0 / std::sqrt(5.0 + 1e-5), 1e-14);
  EXPECT_NEAR(evaluation.value()[0], 1.0 / std::sqrt(1.0 + 1e-5), 1e-14);
}

TEST(BatchNormModes, EvaluationBackwardIsThePerChannelScale) {
  Graph<double> g;
  Parameter<double> x("x", four_by_two());
  Tensor<double> running_mean(Shape{2}, {1.0, -2.0}), running_var(Shape{2}, {4.0, 0.25});
  Var<double> y = batch_norm<double>(g.param(x), &running_mean, &running_var, {}, {}, {.training = false, .eps = 0});
  // Changing the buffers after recording reaches neither the value nor the gradient.
  running_var.fill(100.0);
  g.backward(sum(y));
  for (std::size_t n = 0; n < 4; ++n) {
    EXPECT_DOUBLE_EQ(x.grad()(n, 0), 0.5);  // 1 / sqrt(4)
    EXPECT_DOUBLE_EQ(x.grad()(n, 1), 2.0);  // 1 / sqrt(0.25)
  }
  // In training the normalized values sum to zero per channel whatever x is: d sum / dx = 0.
  x.zero_grad();
  g.clear();
  g.backward(sum(batch_norm<double>(g.param(x), nullptr, nullptr, {}, {}, {.training = true})));
  for (double v : x.grad().span()) EXPECT_NEAR(v, 0.0, 1e-15);
}

// A row of 16 floats around 1000 with a spread of about 0.05: a one-pass E[x²] - E[x]² in
// float would cancel ~1e6 against ~1e6 and keep no digit of the ~2e-3 variance.
TEST(NormStability, NearConstantRowsKeepTheirDigitsInFloat) {
  Tensor<float> x(Shape{1, 16});
  for (std::size_t i = 0; i < 16; ++i) x[i] = 1000.0f + 0.01f * static_cast<float>(i) - 0.075f;
  double mean = 0, squares = 0;  // the reference from the float inputs, in double
  for (float v : x.span()) mean += v;
  mean /= 16;
  for (float v : x.span()) squares += (v - mean) * (v - mean);
  const double rstd = 1.0 / std::sqrt(squares / 16);
  Graph<float> g;
  Var<float> layer = layer_norm(g.input(x), {16}, {}, {}, 0.0);
  Tensor<float> as_channels(Shape{16, 1}, x.span());
  Var<float> batch = batch_norm<float>(g.input(as_channels), nullptr, nullptr, {}, {}, {.training = true, .eps = 0});
  for (std::size_t i = 0; i < 16; ++i) {
    const double expected = (x[i] - mean) * rstd;
    EXPECT_NEAR(layer.value()[i], expected, 1e-3) << i;
    EXPECT_NEAR(batch.value()[i], expected, 1e-3) << i;
  }
}

TEST(NormStability, ConstantRowsGiveTheBiasNotNaN) {
  Graph<float> g;
  Parameter<float> bias("bias", Tensor<float>(Shape{4}, {1, 2, 3, 4}));
  Var<float> y = layer_norm(g.input(Tensor<float>::full(Shape{2, 4}, 7.5f)), {4}, {}, g.param(bias));
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(y.value()[i], bias.value()[i % 4]);
}

// layer_norm reduces rows in groups of four (independent chains) and the last rows of a
// block one at a time; a row's sums keep one order either way. Seven rows of a [7,37]
// input (one group, three single rows; 37 leaves a partial vector) must give the bits of
// each row normalized alone, forward and backward, weight and bias included.
TEST(NormRowGroups, LayerNormOfManyRowsHasTheBitsOfEachRowAlone) {
  constexpr std::size_t rows = 7, n = 37;
  Tensor<float> x(Shape{rows, n}), dy(Shape{rows, n}), weight(Shape{n}), bias(Shape{n});
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.61f * static_cast<float>(i)) * 3.0f + static_cast<float>(i % 5);
    dy[i] = std::cos(0.27f * static_cast<float>(i));
  }
  for (std::size_t j = 0; j < n; ++j) {
    weight[j] = 1.0f + 0.01f * static_cast<float>(j);
    bias[j] = 0.1f * static_cast<float>(j);
  }
  Parameter<float> px("x", x);
  Graph<float> g;
  Var<float> y = layer_norm(g.param(px), {n}, g.input(weight), g.input(bias));
  g.backward(y, dy);
  for (std::size_t r = 0; r < rows; ++r) {
    Tensor<float> row(Shape{1, n}), row_dy(Shape{1, n});
    for (std::size_t j = 0; j < n; ++j) {
      row[j] = x[r * n + j];
      row_dy[j] = dy[r * n + j];
    }
    Parameter<float> pr("row", row);
    Graph<float> one;
    Var<float> y1 = layer_norm(one.param(pr), {n}, one.input(weight), one.input(bias));
    one.backward(y1, row_dy);
    for (std::size_t j = 0; j < n; ++j) {
      ASSERT_EQ(y.value()[r * n + j], y1.value()[j]) << "y, row " << r << ", column " << j;
      ASSERT_EQ(px.grad()[r * n + j], pr.grad()[j]) << "dx, row " << r << ", column " << j;
    }
  }
}

TEST(NormAllocations, SteadyStepsAllocateNothing) {
  for (const Shape& shape : {Shape{6, 40}, Shape{256, 256}}) {  // serial and parallel
    Tensor<float> x(shape);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
    Parameter<float> ln_weight("ln_weight", Tensor<float>::full(Shape{shape[1]}, 1.0f));
    Parameter<float> ln_bias("ln_bias", Tensor<float>(Shape{shape[1]}));
    Parameter<float> bn_weight("bn_weight", Tensor<float>::full(Shape{shape[1]}, 1.0f));
    Tensor<float> running_mean(Shape{shape[1]}), running_var = Tensor<float>::full(Shape{shape[1]}, 1.0f);
    Graph<float> g;
    auto step = [&] {
      g.clear();
      Var<float> h = layer_norm(g.input(x), {shape[1]}, g.param(ln_weight), g.param(ln_bias));
      h = batch_norm(h, &running_mean, &running_var, g.param(bn_weight), {}, {.training = true});
      g.backward(sum(h * h));
    };
    step();
    step();
    const std::size_t before = cgrad::testing::allocation_count();
    for (int i = 0; i < 5; ++i) step();
    EXPECT_EQ(cgrad::testing::allocation_count() - before, 0u) << shape;
  }
}

TEST(NormErrors, LayerNormNamesTheOpAndTheShapes) {
  Graph<float> g;
  Var<float> x = g.input(Tensor<float>(Shape{8, 3, 5}));
  Var<float> w4 = g.input(Tensor<float>(Shape{4}));
  EXPECT_EQ(message_of<ShapeError>([&] { layer_norm(x, {4}); }),
            "LayerNorm: x is [8,3,5] but normalized_shape is [4]; x must end with those axes");
  EXPECT_EQ(message_of<ShapeError>([&] { layer_norm(x, {2, 3, 5, 1}); }),
            "LayerNorm: x is [8,3,5] but normalized_shape is [2,3,5,1]; x must end with those axes");
  EXPECT_EQ(message_of<ShapeError>([&] { layer_norm(x, Shape{}); }),
            "LayerNorm: normalized_shape is []; it must name at least one trailing axis of x [8,3,5]");
  EXPECT_EQ(message_of<ShapeError>([&] { layer_norm(x, {5}, w4); }),
            "LayerNorm: weight is [4], expected normalized_shape [5] (x is [8,3,5])");
  EXPECT_EQ(message_of<ShapeError>([&] { layer_norm(x, {3, 5}, {}, w4); }),
            "LayerNorm: bias is [4], expected normalized_shape [3,5] (x is [8,3,5])");
  EXPECT_EQ(message_of<ValueError>([&] { layer_norm(x, {5}, {}, {}, -1.0); }),
            "LayerNorm: eps must be finite and >= 0, got -1");
}

TEST(NormErrors, BatchNormNamesTheOpAndTheShapes) {
  Graph<float> g;
  Var<float> x = g.input(Tensor<float>(Shape{8, 3, 28, 28}));
  Var<float> w4 = g.input(Tensor<float>(Shape{4}));
  Tensor<float> mean3(Shape{3}), var3(Shape{3}), mean4(Shape{4});
  EXPECT_EQ(message_of<ShapeError>([&] { batch_norm<float>(g.input(Tensor<float>(Shape{5})), nullptr, nullptr); }),
            "BatchNorm: expected input [N,C] or [N,C,*], got [5]");
  EXPECT_EQ(message_of<ShapeError>([&] { batch_norm(x, &mean3, &var3, w4); }),
            "BatchNorm: weight is [4], expected [3] (one per channel of x [8,3,28,28])");
  EXPECT_EQ(message_of<ShapeError>([&] { batch_norm(x, &mean3, &var3, {}, w4); }),
            "BatchNorm: bias is [4], expected [3] (one per channel of x [8,3,28,28])");
  EXPECT_EQ(message_of<ShapeError>([&] { batch_norm(x, &mean4, &var3); }),
            "BatchNorm: running_mean is [4], expected [3] (one per channel of x [8,3,28,28])");
  EXPECT_EQ(message_of<ShapeError>([&] { batch_norm(x, &mean3, &mean4); }),
            "BatchNorm: running_var is [4], expected [3] (one per channel of x [8,3,28,28])");
  EXPECT_EQ(message_of<ValueError>([&] {
              batch_norm<float>(g.input(Tensor<float>(Shape{1, 3})), nullptr, nullptr, {}, {}, {.training = true});
            }),
            "BatchNorm: expected more than 1 value per channel when training, got input [1,3]");
  EXPECT_EQ(message_of<ValueError>([&] {
              batch_norm<float>(g.input(Tensor<float>(Shape{1, 3, 1, 1})), nullptr, nullptr, {}, {}, {.training = true});
            }),
            "BatchNorm: expected more than 1 value per channel when training, got input [1,3,1,1]");
  EXPECT_THAT(message_of<ValueError>([&] { batch_norm<float>(x, &mean3, nullptr); }),
              HasSubstr("BatchNorm: evaluation normalizes with running_mean and running_var, but running_var was not given"));
  EXPECT_EQ(message_of<ValueError>([&] { batch_norm(x, &mean3, &var3, {}, {}, {.training = true, .momentum = 1.5}); }),
            "BatchNorm: momentum must be in [0, 1], got 1.5");
  EXPECT_EQ(message_of<ValueError>([&] { batch_norm(x, &mean3, &var3, {}, {}, {.eps = -1e-5}); }),
            "BatchNorm: eps must be finite and >= 0, got -1e-05");
}

}  // namespace
}  // namespace cgrad::test
