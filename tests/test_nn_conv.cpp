// Conv2d, MaxPool2d, AvgPool2d and AdaptiveAvgPool2d as modules: each against an
// independent composition of the basic ops (slice, concat, stack, reshape, matmul, add,
// maximum, scale) on the same data, their names in a Sequential, PyTorch's default
// initialisation, checkpoints, error messages and a training step that allocates nothing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cgrad.h"
#include "tests/support/allocation_counter.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using std::int64_t;

// x [N,C,H,W] with `pad` rows and columns of `fill` added on every side, by concatenation.
Var<double> padded(Graph<double>& graph, Var<double> x, Size2d pad, double fill) {
  const Shape s = x.shape();
  if (pad.h > 0) {
    Tensor<double> rows(Shape{s[0], s[1], pad.h, s[3]});
    rows.fill(fill);
    x = concat({graph.input(rows), x, graph.input(rows)}, 2);
  }
  if (pad.w > 0) {
    Tensor<double> cols(Shape{s[0], s[1], s[2] + 2 * pad.h, pad.w});
    cols.fill(fill);
    x = concat({graph.input(cols), x, graph.input(cols)}, 3);
  }
  return x;
}

// The [N,C,Ho,Wo] values under kernel tap (i, j) of every window: x[:, :, i·dh + oh·sh, j·dw + ow·sw].
Var<double> tap(Var<double> x, std::size_t i, std::size_t j, Size2d out, Size2d stride, Size2d dilation) {
  const auto first_h = static_cast<int64_t>(i * dilation.h), first_w = static_cast<int64_t>(j * dilation.w);
  Var<double> rows = slice(x, 2, first_h, first_h + static_cast<int64_t>((out.h - 1) * stride.h) + 1,
                           static_cast<int64_t>(stride.h));
  return slice(rows, 3, first_w, first_w + static_cast<int64_t>((out.w - 1) * stride.w) + 1,
               static_cast<int64_t>(stride.w));
}

// One group of a convolution by im2col: the taps stacked into columns [N, C·kh·kw, Ho·Wo]
// (channel outer, tap inner, as the weight [O, C, kh, kw] flattens), then weight · columns.
Var<double> conv_by_columns(Var<double> x, Var<double> weight, const Conv2dOptions& o, std::size_t groups) {
  const Shape xs = x.shape(), ws = weight.shape();
  const std::size_t kh = ws[2], kw = ws[3];
  const Size2d extent{(kh - 1) * o.dilation().h + 1, (kw - 1) * o.dilation().w + 1};
  const Size2d out{(xs[2] - extent.h) / o.stride().h + 1, (xs[3] - extent.w) / o.stride().w + 1};
  std::vector<Var<double>> group_outputs;
  const std::size_t group_in = xs[1] / groups, group_out = ws[0] / groups;
  for (std::size_t g = 0; g < groups; ++g) {
    Var<double> xg = slice(x, 1, static_cast<int64_t>(g * group_in), static_cast<int64_t>((g + 1) * group_in));
    Var<double> wg = slice(weight, 0, static_cast<int64_t>(g * group_out), static_cast<int64_t>((g + 1) * group_out));
    std::vector<Var<double>> taps;
    for (std::size_t i = 0; i < kh; ++i)
      for (std::size_t j = 0; j < kw; ++j) taps.push_back(tap(xg, i, j, out, o.stride(), o.dilation()));
    Var<double> columns = reshape(stack<double>(taps, 2), {static_cast<int64_t>(xs[0]), static_cast<int64_t>(group_in * kh * kw),
                                                   static_cast<int64_t>(out.h * out.w)});
    Var<double> w2 = reshape(wg, {static_cast<int64_t>(group_out), static_cast<int64_t>(group_in * kh * kw)});
    group_outputs.push_back(matmul(w2, columns));  // [N, O/g, Ho·Wo]: the weight broadcasts over N
  }
  Var<double> y = groups == 1 ? group_outputs[0] : concat<double>(group_outputs, 1);
  return reshape(y, {static_cast<int64_t>(xs[0]), static_cast<int64_t>(ws[0]), static_cast<int64_t>(out.h),
                     static_cast<int64_t>(out.w)});
}

// The largest absolute difference of two tensors of one shape.
double max_difference(const Tensor<double>& a, const Tensor<double>& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// Runs the module and the composition on the same x, weight and bias (each path on its own
// Parameters), backpropagates sum(y · r) for a fixed random r, and compares y and every
// gradient.
void expect_conv_matches_composition(const Conv2dOptions& options, const Shape& input_shape) {
  Rng rng(11);
  Conv2d<double> conv(options, rng);
  Parameter<double> x("x", test::uniform_tensor<double>(input_shape, 3));
  Parameter<double> x2("x", x.value()), w2("weight", conv.weight().value());
  Parameter<double> b2("bias", options.bias() ? conv.bias().value() : Tensor<double>(Shape{1}));

  Graph<double> graph;
  Var<double> y = conv.forward(graph, graph.param(x));
  const Tensor<double> r = test::uniform_tensor<double>(y.shape(), 5);
  graph.backward(sum(mul(y, graph.input(r))));

  Graph<double> reference;
  Var<double> y2 = conv_by_columns(padded(reference, reference.param(x2), options.padding(), 0), reference.param(w2),
                                   options, options.groups());
  if (options.bias())
    y2 = add(y2, reshape(reference.param(b2), {1, static_cast<int64_t>(options.out_channels()), 1, 1}));
  reference.backward(sum(mul(y2, reference.input(r))));

  EXPECT_LE(max_difference(y.value(), y2.value()), 1e-10);
  EXPECT_LE(max_difference(x.grad(), x2.grad()), 1e-10);
  EXPECT_LE(max_difference(conv.weight().grad(), w2.grad()), 1e-10);
  if (options.bias()) {
    EXPECT_LE(max_difference(conv.bias().grad(), b2.grad()), 1e-10);
  }
}

TEST(NnConv2d, StrideTwoPaddingOneMatchesIm2colComposition) {
  expect_conv_matches_composition(Conv2dOptions(3, 4, 3).stride(2).padding(1), Shape{2, 3, 7, 6});
}

TEST(NnConv2d, GroupedDilatedRectangularMatchesComposition) {
  expect_conv_matches_composition(Conv2dOptions(4, 6, {2, 3}).groups(2).dilation({2, 1}).padding({1, 0}),
                                  Shape{2, 4, 6, 7});
}

TEST(NnConv2d, WithoutBiasMatchesComposition) {
  Rng rng(0);
  EXPECT_EQ(Conv2d<double>(Conv2dOptions(2, 3, 1).bias(false), rng).named_parameters().size(), 1u);
  expect_conv_matches_composition(Conv2dOptions(2, 3, 2).bias(false).stride({1, 2}), Shape{1, 2, 5, 5});
}

TEST(NnConv2d, DefaultInitIsBoundedByTheFanIn) {
  Rng rng(4);
  Conv2d<double> conv(Conv2dOptions(8, 64, 3).groups(2), rng);
  EXPECT_EQ(conv.weight().shape(), (Shape{64, 4, 3, 3}));
  EXPECT_EQ(conv.bias().shape(), (Shape{64}));
  const double bound = 1 / std::sqrt(4.0 * 3 * 3);  // fan_in = in / groups · kh · kw
  for (Parameter<double>* p : {&conv.weight(), &conv.bias()}) {
    double largest = 0, total = 0;
    for (double v : p->value().span()) {
      EXPECT_LE(std::abs(v), bound);
      largest = std::max(largest, std::abs(v));
      total += v;
    }
    // Uniform over the whole range: the extremes are reached and the mean is near 0.
    EXPECT_GT(largest, 0.9 * bound);
    EXPECT_LT(std::abs(total / static_cast<double>(p->value().size())), 0.25 * bound);
  }
  // The same seed gives the same weights.
  Rng again(4);
  Conv2d<double> twin(Conv2dOptions(8, 64, 3).groups(2), again);
  EXPECT_EQ(twin.weight().value()[17], conv.weight().value()[17]);
  EXPECT_EQ(twin.bias().value()[5], conv.bias().value()[5]);
}

TEST(NnConv2d, DottedNamesInASequential) {
  Rng rng(0);
  Sequential<float> net(std::make_unique<Conv2d<float>>(Conv2dOptions(1, 2, 3), rng), std::make_unique<ReLU<float>>(),
                        std::make_unique<MaxPool2d<float>>(2),
                        std::make_unique<Conv2d<float>>(Conv2dOptions(2, 4, 3).bias(false), rng));
  const auto named = net.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "0.weight");
  EXPECT_EQ(named[1].first, "0.bias");
  EXPECT_EQ(named[2].first, "3.weight");
  EXPECT_EQ(named[2].second->shape(), (Shape{4, 2, 3, 3}));
}

TEST(NnConv2d, WrongShapesAndOptionsAreNamed) {
  Rng rng(0);
  Conv2d<float> conv(Conv2dOptions(3, 8, 3), rng);
  Graph<float> graph;
  const auto message = [&](const Shape& shape) {
    try {
      conv.forward(graph, graph.input(Tensor<float>(shape)));
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(Shape{8, 1, 28, 28}), "Conv2d: expected input [N,3,H,W], got [8,1,28,28]");
  EXPECT_EQ(message(Shape{3, 28, 28}), "Conv2d: expected input [N,3,H,W], got [3,28,28]");
  EXPECT_NE(message(Shape{1, 3, 2, 2}).find("Conv2d"), std::string::npos);  // smaller than the kernel
  EXPECT_THROW(Conv2d<float>(Conv2dOptions(4, 6, 3).groups(4), rng), ValueError);
  EXPECT_THROW(Conv2d<float>(Conv2dOptions(0, 6, 3), rng), ValueError);
  EXPECT_THROW(Conv2d<float>(Conv2dOptions(2, 6, {3, 0}), rng), ValueError);
  EXPECT_THROW(Conv2d<float>(Conv2dOptions(2, 6, 3).stride(0), rng), ValueError);
}

// The pooling modules against slices of the (padded) input: max by maximum, mean by add and scale.
template <class Combine>
Var<double> pool_by_slices(Graph<double>& graph, Var<double> x, Size2d kernel, Size2d stride, Size2d padding,
                           double fill, const Combine& combine) {
  Var<double> p = padded(graph, x, padding, fill);
  const Size2d out{(p.shape()[2] - kernel.h) / stride.h + 1, (p.shape()[3] - kernel.w) / stride.w + 1};
  Var<double> acc = tap(p, 0, 0, out, stride, Size2d{1});
  for (std::size_t i = 0; i < kernel.h; ++i)
    for (std::size_t j = 0; j < kernel.w; ++j)
      if (i + j > 0) acc = combine(acc, tap(p, i, j, out, stride, Size2d{1}));
  return acc;
}

template <class Module, class Reference>
void expect_pool_matches(Module& pool, const Shape& input_shape, const Reference& reference_of) {
  Parameter<double> x("x", test::uniform_tensor<double>(input_shape, 8)), x2("x", x.value());
  Graph<double> graph, reference;
  Var<double> y = pool.forward(graph, graph.param(x));
  Var<double> y2 = reference_of(reference, reference.param(x2));
  const Tensor<double> r = test::uniform_tensor<double>(y.shape(), 9);
  graph.backward(sum(mul(y, graph.input(r))));
  reference.backward(sum(mul(y2, reference.input(r))));
  EXPECT_LE(max_difference(y.value(), y2.value()), 1e-12);
  EXPECT_LE(max_difference(x.grad(), x2.grad()), 1e-12);
}

TEST(NnPool, MaxPoolMatchesMaximumOfSlices) {
  const auto maximum_of = [](Var<double> a, Var<double> b) { return maximum(a, b); };
  MaxPool2d<double> halve(2);
  EXPECT_EQ(halve.options().stride(), Size2d(2));  // the stride defaults to the kernel
  expect_pool_matches(halve, Shape{2, 3, 6, 5}, [&](Graph<double>& g, Var<double> x) {
    return pool_by_slices(g, x, 2, 2, 0, 0, maximum_of);
  });
  MaxPool2d<double> overlapping(MaxPool2dOptions(3).stride(2).padding(1));
  expect_pool_matches(overlapping, Shape{2, 2, 7, 6}, [&](Graph<double>& g, Var<double> x) {
    return pool_by_slices(g, x, 3, 2, 1, -std::numeric_limits<double>::infinity(), maximum_of);
  });
}

TEST(NnPool, AvgPoolMatchesScaledSumOfSlices) {
  const auto add_of = [](Var<double> a, Var<double> b) { return add(a, b); };
  AvgPool2d<double> pool(AvgPool2dOptions({3, 2}).stride({2, 1}).padding({1, 0}));
  expect_pool_matches(pool, Shape{2, 3, 7, 5}, [&](Graph<double>& g, Var<double> x) {
    return scale(pool_by_slices(g, x, {3, 2}, {2, 1}, {1, 0}, 0, add_of), 1.0 / 6);  // padding counts
  });
}

TEST(NnPool, AdaptiveAvgPoolMatchesMeanAndSlices) {
  AdaptiveAvgPool2d<double> global(1);
  expect_pool_matches(global, Shape{2, 3, 5, 4},
                      [](Graph<double>&, Var<double> x) { return mean(x, {2, 3}, /*keepdim=*/true); });
  // 5 rows to 2: rows [0, 3) and [2, 5); 4 columns to 2: [0, 2) and [2, 4).
  AdaptiveAvgPool2d<double> two(2);
  expect_pool_matches(two, Shape{1, 2, 5, 4}, [](Graph<double>&, Var<double> x) {
    std::vector<Var<double>> rows;
    for (int64_t r : {0, 2}) {
      std::vector<Var<double>> cols;
      for (int64_t c : {0, 2}) cols.push_back(mean(slice(slice(x, 2, r, r + 3), 3, c, c + 2), {2, 3}));
      rows.push_back(stack<double>(cols, 2));
    }
    return stack<double>(rows, 2);
  });
}

TEST(NnPool, WrongShapesAndOptionsAreNamed) {
  Graph<float> graph;
  Var<float> flat = graph.input(Tensor<float>(Shape{3, 4}));
  const auto message = [&](UnaryModule<float>& m) {
    try {
      m.forward(graph, flat);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  MaxPool2d<float> max_pool(2);
  AvgPool2d<float> avg_pool(2);
  AdaptiveAvgPool2d<float> adaptive(1);
  EXPECT_EQ(message(max_pool), "MaxPool2d: expected input [N,C,H,W], got [3,4]");
  EXPECT_EQ(message(avg_pool), "AvgPool2d: expected input [N,C,H,W], got [3,4]");
  EXPECT_EQ(message(adaptive), "AdaptiveAvgPool2d: expected input [N,C,H,W], got [3,4]");
  EXPECT_THROW(MaxPool2d<float>(MaxPool2dOptions(2).stride(0)), ValueError);
  EXPECT_THROW(AvgPool2d<float>(AvgPool2dOptions({0, 2})), ValueError);
  EXPECT_THROW(AdaptiveAvgPool2d<float>(AdaptiveAvgPool2dOptions({1, 0})), ValueError);
}

// Conv2d → ReLU → MaxPool2d → Flatten → Linear on [N,1,8,8], 3 classes.
template <Real T>
std::unique_ptr<Sequential<T>> small_cnn(Rng& rng) {
  auto net = std::make_unique<Sequential<T>>();
  net->template emplace_back<Conv2d<T>>(Conv2dOptions(1, 4, 3).padding(1), rng);
  net->template emplace_back<ReLU<T>>();
  net->template emplace_back<MaxPool2d<T>>(2);
  net->template emplace_back<Flatten<T>>();
  net->template emplace_back<Linear<T>>(LinearOptions(4 * 4 * 4, 3), rng);
  return net;
}

TEST(NnConvCheckpoint, SmallCnnRoundTripsBitForBit) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("cgrad_nn_conv_" + std::to_string(::getpid()) + ".safetensors");
  Rng first(1), second(2);
  auto saved = small_cnn<double>(first);
  auto loaded = small_cnn<double>(second);
  save_checkpoint(file, *saved);
  load_checkpoint(file, *loaded);
  std::filesystem::remove(file);
  const auto a = saved->named_parameters(), b = loaded->named_parameters();
  ASSERT_EQ(a.size(), 4u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    const auto x = a[i].second->value().span(), y = b[i].second->value().span();
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << a[i].first;
  }
  const Tensor<double> input = test::uniform_tensor<double>(Shape{2, 1, 8, 8}, 6);
  Graph<double> g1, g2;
  const auto y1 = saved->forward(g1, g1.input(input)).value().span();
  const auto y2 = loaded->forward(g2, g2.input(input)).value().span();
  EXPECT_TRUE(std::equal(y1.begin(), y1.end(), y2.begin(), y2.end()));
}

// Forward, backward, zero_grad and the Adam step of the small CNN allocate nothing once
// every shape has been seen.
TEST(NnConvCheckpoint, SteadyTrainingStepOfSmallCnnAllocatesNothing) {
  Rng rng(3);
  auto net = small_cnn<float>(rng);
  Adam<float> adam(net->parameters());
  const Tensor<float> images = test::uniform_tensor<float>(Shape{16, 1, 8, 8}, 2);
  std::vector<std::int32_t> labels(16);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 3);
  Graph<float> graph;
  float first_loss = 0, loss_value = 0;
  auto step = [&] {
    graph.clear();
    Var<float> loss = softmax_xent(net->forward(graph, graph.input(images)), labels);
    loss_value = loss.value()[0];
    adam.zero_grad();
    graph.backward(loss);
    adam.step();
  };
  step();
  first_loss = loss_value;
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 10; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
  EXPECT_LT(loss_value, first_loss);  // and it learns
}

}  // namespace
}  // namespace cgrad
