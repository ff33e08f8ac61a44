// Convolution and pooling (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d): the float64
// forward against direct loops over every output and window element on random data,
// refusals that name the op and the shapes, and a steady step that allocates nothing.
// Gradients are checked by the op suite (tests/ops/conv_samples.cpp), and Conv2d's here
// against the adjoint of the same loops on random geometries.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#include "expect_error.h"
#include "ops/kernels/winograd_conv3x3.h"
#include "ops/nn/conv2d_paths.h"
#include "tests/support/allocation_counter.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using test::message_of;

// Seeded U(-1, 1) values (the suite's helper).
Tensor<double> random(const Shape& shape, std::uint64_t seed) { return test::uniform_tensor<double>(shape, seed); }

void expect_near(const Tensor<double>& got, const Tensor<double>& want) {
  ASSERT_EQ(got.shape(), want.shape());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-13) << "at " << i;
}

std::int64_t signed_of(std::size_t v) { return static_cast<std::int64_t>(v); }

// ---- Conv2d against the definition ----

struct ConvCase {
  Shape x, weight;
  Conv2dFuncOptions options;
  bool bias;
};

// The definition's terms: visit(n, o, i, j, channel, c, ki, kj, ih, iw) for every output
// (n, o, i, j) of an [N, O, ho, wo] result and every weight element w[o, c, ki, kj] whose
// input x[n, channel, ih, iw] lies inside x (x = 0 outside), channel = g Cg + c with
// g = o / (O / groups), ih = i sh + ki dh - ph, iw = j sw + kj dw - pw; in that loop order.
template <class Visit>
void for_each_conv_term(const Shape& x, const Shape& w, const Conv2dFuncOptions& opt, std::size_t ho,
                        std::size_t wo, const Visit& visit) {
  const std::size_t batch = x[0], height = x[2], width = x[3];
  const std::size_t out_channels = w[0], group_channels = w[1], kh = w[2], kw = w[3];
  const std::size_t out_per_group = out_channels / opt.groups;
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t o = 0; o < out_channels; ++o)
      for (std::size_t i = 0; i < ho; ++i)
        for (std::size_t j = 0; j < wo; ++j)
          for (std::size_t c = 0; c < group_channels; ++c)
            for (std::size_t ki = 0; ki < kh; ++ki)
              for (std::size_t kj = 0; kj < kw; ++kj) {
                const std::int64_t ih = signed_of(i * opt.stride.h + ki * opt.dilation.h) - signed_of(opt.padding.h);
                const std::int64_t iw = signed_of(j * opt.stride.w + kj * opt.dilation.w) - signed_of(opt.padding.w);
                if (ih < 0 || iw < 0 || ih >= signed_of(height) || iw >= signed_of(width)) continue;
                visit(n, o, i, j, o / out_per_group * group_channels + c, c, ki, kj, static_cast<std::size_t>(ih),
                      static_cast<std::size_t>(iw));
              }
}

// y[n,o,i,j] = b[o] + Σ_c Σ_ki Σ_kj x[n, channel, ih, iw] w[o, c, ki, kj] (for_each_conv_term).
Tensor<double> conv_reference(const Tensor<double>& x, const Tensor<double>& w, const Tensor<double>* b,
                              const Conv2dFuncOptions& opt, std::size_t ho, std::size_t wo) {
  Tensor<double> y(Shape{x.dim(0), w.dim(0), ho, wo});
  for (std::size_t k = 0; k < y.size(); ++k) y[k] = b != nullptr ? (*b)[k / (ho * wo) % w.dim(0)] : 0.0;
  for_each_conv_term(x.shape(), w.shape(), opt, ho, wo,
                     [&](std::size_t n, std::size_t o, std::size_t i, std::size_t j, std::size_t channel,
                         std::size_t c, std::size_t ki, std::size_t kj, std::size_t ih, std::size_t iw) {
                       y(n, o, i, j) += x(n, channel, ih, iw) * w(o, c, ki, kj);
                     });
  return y;
}

TEST(Conv2dForward, MatchesTheDefinitionOnRandomData) {
  const std::vector<ConvCase> cases = {
      {{2, 3, 7, 6}, {4, 3, 3, 3}, {}, true},
      {{1, 2, 8, 9}, {3, 2, 2, 3}, {.stride = {2, 3}, .padding = {1, 2}}, false},
      {{2, 4, 9, 9}, {6, 2, 3, 3}, {.padding = 2, .dilation = 2, .groups = 2}, true},
      {{3, 6, 5, 5}, {6, 1, 3, 3}, {.padding = 1, .groups = 6}, true},
      {{2, 3, 4, 4}, {5, 3, 1, 1}, {}, true},
      {{1, 2, 3, 3}, {2, 2, 2, 2}, {.stride = 2, .padding = 3}, true},
      {{8, 16, 14, 14}, {32, 16, 3, 3}, {.padding = 1}, true},  // the parallel path
  };
  std::uint64_t seed = 1;
  for (const ConvCase& c : cases) {
    const Tensor<double> x = random(c.x, seed++), w = random(c.weight, seed++), b = random({c.weight[0]}, seed++);
    Graph<double> g;
    Var<double> y = c.bias ? conv2d(g.input(x), g.input(w), g.input(b), c.options)
                           : conv2d(g.input(x), g.input(w), c.options);
    expect_near(y.value(), conv_reference(x, w, c.bias ? &b : nullptr, c.options, y.shape()[2], y.shape()[3]));
  }
}

// The adjoint of conv_reference over the same terms: dx, dw and db of the loss Σ y · dy.
struct ConvGrads {
  Tensor<double> dx, dw, db;
};

ConvGrads conv_reference_grads(const Tensor<double>& x, const Tensor<double>& w, const Tensor<double>& dy,
                               const Conv2dFuncOptions& opt) {
  const std::size_t out_channels = w.dim(0), ho = dy.dim(2), wo = dy.dim(3);
  ConvGrads g{Tensor<double>(x.shape()), Tensor<double>(w.shape()), Tensor<double>(Shape{out_channels})};
  for (std::size_t k = 0; k < dy.size(); ++k) g.db[k / (ho * wo) % out_channels] += dy[k];
  for_each_conv_term(x.shape(), w.shape(), opt, ho, wo,
                     [&](std::size_t n, std::size_t o, std::size_t i, std::size_t j, std::size_t channel,
                         std::size_t c, std::size_t ki, std::size_t kj, std::size_t ih, std::size_t iw) {
                       const double d = dy(n, o, i, j);
                       g.dx(n, channel, ih, iw) += d * w(o, c, ki, kj);
                       g.dw(o, c, ki, kj) += d * x(n, channel, ih, iw);
                     });
  return g;
}

// Random geometries, mostly stride 1 with 4 to 6 channels a group and padding up to
// dilation (kernel - 1), on planes of 7 to 16: 9 of the 24 take conv2d's implicit GEMM,
// the rest (wide kernels on small planes, 1 to 6 channels, stride 2) im2col. The value and
// all three gradients against the definition's loops.
TEST(Conv2dBackward, MatchesTheDefinitionOnRandomGeometries) {
  std::mt19937 rng(2029);
  const auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
  for (int trial = 0; trial < 24; ++trial) {
    const std::size_t groups = pick(1, 2), group_channels = pick(trial % 4 == 0 ? 1 : 4, 6);
    const std::size_t out_per_group = pick(1, 5), kh = pick(1, 3), kw = pick(1, 4);
    const Size2d dilation{pick(1, 2), pick(1, 2)};
    const Size2d padding{pick(0, dilation.h * (kh - 1)), pick(0, dilation.w * (kw - 1))};
    const Size2d stride = trial % 6 == 5 ? Size2d{2, 1} : Size2d{1};
    const Shape xs{pick(1, 3), groups * group_channels, pick(7, 16), pick(7, 16)};
    const Shape ws{groups * out_per_group, group_channels, kh, kw};
    const Conv2dFuncOptions options{.stride = stride, .padding = padding, .dilation = dilation, .groups = groups};
    SCOPED_TRACE(fmt::format("x {} weight {} stride {} padding {} dilation {} groups {}", xs, ws, stride, padding,
                             dilation, groups));
    const auto seed = static_cast<std::uint64_t>(100 + 4 * trial);
    Parameter<double> x("x", random(xs, seed)), w("w", random(ws, seed + 1)), b("b", random({ws[0]}, seed + 2));
    Graph<double> g;
    Var<double> y = conv2d(g.param(x), g.param(w), g.param(b), options);
    const Tensor<double> dy = random(y.shape(), seed + 3);
    g.backward(y, dy);
    expect_near(y.value(), conv_reference(x.value(), w.value(), &b.value(), options, y.shape()[2], y.shape()[3]));
    const ConvGrads want = conv_reference_grads(x.value(), w.value(), dy, options);
    expect_near(x.grad(), want.dx);
    expect_near(w.grad(), want.dw);
    expect_near(b.grad(), want.db);
    if (::testing::Test::HasFailure()) return;
  }
}

// Geometries that take the Winograd path (ops/kernels/winograd_conv3x3.h) for the forward and
// the input gradient (asserted), with odd outputs and paddings 0 to 2: the value and all
// three gradients against the definition's loops, and x's gradient added to what an
// earlier use of x left there.
TEST(Conv2dBackward, WinogradMatchesTheDefinition) {
  const std::vector<ConvCase> cases = {
      {{2, 5, 7, 9}, {4, 5, 3, 3}, {.padding = {2, 1}}, true},
      {{3, 4, 10, 9}, {6, 4, 3, 3}, {}, true},
      {{5, 6, 14, 14}, {8, 6, 3, 3}, {.padding = 1}, false},
  };
  std::uint64_t seed = 300;
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(fmt::format("x {} weight {} padding {}", c.x, c.weight, c.options.padding));
    const detail::Conv2dWinogradUse use = detail::conv2d_winograd_use(c.x, c.weight, c.options);
    ASSERT_TRUE(use.forward && use.input_grad);
    Parameter<double> x("x", random(c.x, seed)), w("w", random(c.weight, seed + 1)), b("b", random({c.weight[0]}, seed + 2));
    Graph<double> g;
    Var<double> xv = g.param(x);
    Var<double> y = c.bias ? conv2d(xv, g.param(w), g.param(b), c.options) : conv2d(xv, g.param(w), c.options);
    const Tensor<double> dy = random(y.shape(), seed + 3), dx0 = random(c.x, seed + 4);
    // loss = Σ y dy + Σ x dx0: x's gradient is dx0 plus the convolution's.
    Var<double> loss = sum(mul(y, g.input(dy))) + sum(mul(xv, g.input(dx0)));
    g.backward(loss);
    seed += 5;
    expect_near(y.value(), conv_reference(x.value(), w.value(), c.bias ? &b.value() : nullptr, c.options,
                                          y.shape()[2], y.shape()[3]));
    ConvGrads want = conv_reference_grads(x.value(), w.value(), dy, c.options);
    for (std::size_t i = 0; i < want.dx.size(); ++i) want.dx[i] += dx0[i];
    expect_near(x.grad(), want.dx);
    expect_near(w.grad(), want.dw);
    if (c.bias) expect_near(b.grad(), want.db);
  }
}

TEST(Conv2dForward, OutputSizeIsTorchs) {
  Graph<double> g;
  // (H + 2p - d (k - 1) - 1) / s + 1: (10 + 2 - 2*2 - 1) / 3 + 1 = 3, (11 + 0 - 2 - 1) / 2 + 1 = 5.
  Var<double> y = conv2d(g.input(random({1, 1, 10, 11}, 9)), g.input(random({2, 1, 3, 3}, 10)),
                         {.stride = {3, 2}, .padding = {1, 0}, .dilation = {2, 1}});
  EXPECT_EQ(y.shape(), (Shape{1, 2, 3, 5}));
}

// ---- pooling against the definition ----

enum class Pool { max, mean, mean_of_inside };

// For each output, the window's elements inside the input (or, for max, -inf outside).
Tensor<double> pool_reference(const Tensor<double>& x, Pool pool, Size2d kernel, Size2d stride, Size2d padding,
                              Size2d dilation, std::size_t ho, std::size_t wo) {
  Tensor<double> y(Shape{x.dim(0), x.dim(1), ho, wo});
  for (std::size_t n = 0; n < x.dim(0); ++n)
    for (std::size_t c = 0; c < x.dim(1); ++c)
      for (std::size_t i = 0; i < ho; ++i)
        for (std::size_t j = 0; j < wo; ++j) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          std::size_t inside = 0;
          for (std::size_t ki = 0; ki < kernel.h; ++ki)
            for (std::size_t kj = 0; kj < kernel.w; ++kj) {
              const std::int64_t ih = signed_of(i * stride.h + ki * dilation.h) - signed_of(padding.h);
              const std::int64_t iw = signed_of(j * stride.w + kj * dilation.w) - signed_of(padding.w);
              if (ih < 0 || iw < 0 || ih >= signed_of(x.dim(2)) || iw >= signed_of(x.dim(3))) continue;
              const double v = x(n, c, static_cast<std::size_t>(ih), static_cast<std::size_t>(iw));
              best = std::max(best, v);
              sum += v;
              ++inside;
            }
          const double count = pool == Pool::mean_of_inside ? static_cast<double>(inside)
                                                            : static_cast<double>(kernel.h * kernel.w);
          y(n, c, i, j) = pool == Pool::max ? best : sum / count;
        }
  return y;
}

struct PoolCase {
  Shape x;
  Size2d kernel, stride, padding, dilation;
};

const std::vector<PoolCase> kPoolCases = {
    {{2, 3, 6, 6}, 2, 2, 0, 1},   {{2, 2, 7, 5}, 3, 2, 1, 1},        {{1, 3, 6, 7}, {2, 3}, {1, 2}, {1, 1}, 1},
    {{1, 2, 9, 9}, 3, 2, 1, 2},   {{16, 16, 28, 28}, 2, 2, 0, 1},  // planes in parallel
};

TEST(MaxPool2dForward, MatchesTheDefinitionOnRandomData) {
  std::uint64_t seed = 100;
  for (const PoolCase& c : kPoolCases) {
    const Tensor<double> x = random(c.x, seed++);
    Graph<double> g;
    Var<double> y = max_pool2d(g.input(x), {c.kernel, c.stride, c.padding, c.dilation});
    expect_near(y.value(), pool_reference(x, Pool::max, c.kernel, c.stride, c.padding, c.dilation, y.shape()[2],
                                          y.shape()[3]));
  }
}

TEST(AvgPool2dForward, MatchesTheDefinitionOnRandomData) {
  std::uint64_t seed = 200;
  for (const PoolCase& c : kPoolCases) {
    if (c.dilation != Size2d{1}) continue;
    const Tensor<double> x = random(c.x, seed++);
    for (bool include_pad : {true, false}) {
      Graph<double> g;
      Var<double> y = avg_pool2d(g.input(x), {c.kernel, c.stride, c.padding, include_pad});
      expect_near(y.value(), pool_reference(x, include_pad ? Pool::mean : Pool::mean_of_inside, c.kernel, c.stride,
                                            c.padding, 1, y.shape()[2], y.shape()[3]));
    }
  }
}

TEST(MaxPool2d, TiesGoToTheFirstAndNaNWins) {
  Graph<double> g;
  Parameter<double> p("x", Tensor<double>(Shape{1, 1, 2, 4}, {5, 5, 1, std::nan(""), 5, 5, 2, 0}));
  Var<double> y = max_pool2d(g.param(p), {.kernel = 2});
  EXPECT_EQ(y.value()[0], 5.0);
  EXPECT_TRUE(std::isnan(y.value()[1]));
  g.backward(y, Tensor<double>(Shape{1, 1, 1, 2}, {1, 1}));
  EXPECT_EQ(p.grad()[0], 1.0);  // the first of four 5s
  EXPECT_EQ(p.grad()[1] + p.grad()[4] + p.grad()[5], 0.0);
  EXPECT_EQ(p.grad()[3], 1.0);  // the NaN
}

// The forward pools a plane with a fast loop and redoes only the planes where it met a
// NaN; a NaN after a larger number, and the first of two NaNs, must still win there.
TEST(MaxPool2d, NaNPlanesBesidePlanesWithout) {
  Graph<double> g;
  const double nan = std::nan("");
  Parameter<double> p("x", Tensor<double>(Shape{2, 1, 2, 2}, {1, 4, 3, 2, 9, nan, 7, nan}));
  Var<double> y = max_pool2d(g.param(p), {.kernel = 2});
  EXPECT_EQ(y.value()[0], 4.0);
  EXPECT_TRUE(std::isnan(y.value()[1]));
  g.backward(y, Tensor<double>(Shape{2, 1, 1, 1}, {1, 1}));
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(p.grad()[i], i == 1 || i == 5 ? 1.0 : 0.0) << "element " << i;
}

// Row i averages [floor(i H / oh), ceil((i + 1) H / oh)), as torch.
TEST(AdaptiveAvgPool2dForward, MatchesTheDefinitionOnRandomData) {
  struct Case {
    Shape x;
    Size2d out;
  };
  std::uint64_t seed = 300;
  for (const Case& c : std::vector<Case>{{{2, 3, 7, 5}, {3, 2}}, {{1, 2, 4, 4}, 1}, {{1, 1, 3, 2}, {4, 5}},
                                         {{32, 64, 7, 7}, 1}}) {
    const Tensor<double> x = random(c.x, seed++);
    Graph<double> g;
    Var<double> y = adaptive_avg_pool2d(g.input(x), c.out);
    Tensor<double> want(Shape{c.x[0], c.x[1], c.out.h, c.out.w});
    for (std::size_t n = 0; n < c.x[0]; ++n)
      for (std::size_t ch = 0; ch < c.x[1]; ++ch)
        for (std::size_t i = 0; i < c.out.h; ++i)
          for (std::size_t j = 0; j < c.out.w; ++j) {
            const std::size_t r0 = i * c.x[2] / c.out.h, r1 = ((i + 1) * c.x[2] + c.out.h - 1) / c.out.h;
            const std::size_t c0 = j * c.x[3] / c.out.w, c1 = ((j + 1) * c.x[3] + c.out.w - 1) / c.out.w;
            double sum = 0;
            for (std::size_t r = r0; r < r1; ++r)
              for (std::size_t col = c0; col < c1; ++col) sum += x(n, ch, r, col);
            want(n, ch, i, j) = sum / static_cast<double>((r1 - r0) * (c1 - c0));
          }
    expect_near(y.value(), want);
  }
}

// ---- refusals ----

TEST(ConvErrors, NameTheOpAndTheShapes) {
  Graph<double> g;
  Var<double> x = g.input(random({8, 1, 28, 28}, 1));
  Var<double> w3 = g.input(random({16, 3, 3, 3}, 2));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(x, w3); }),
              AllOf(HasSubstr("Conv2d: expected input [N,3,H,W], got [8,1,28,28]"), HasSubstr("[16,3,3,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(g.input(random({28, 28}, 3)), w3); }),
              HasSubstr("Conv2d: expected input [N,C,H,W], got [28,28]"));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(x, g.input(random({16, 9}, 4))); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("weight"), HasSubstr("[16,9]")));
  Var<double> x4 = g.input(random({2, 4, 5, 5}, 5));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(x4, g.input(random({6, 2, 3, 3}, 6)), {.groups = 4}); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("groups 4"), HasSubstr("6 output channels"), HasSubstr("[6,2,3,3]")));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(x4, g.input(random({6, 3, 3, 3}, 7)), {.groups = 2}); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("2 groups of 3 channels"), HasSubstr("[2,4,5,5]")));
  EXPECT_THAT(message_of<ValueError>([&] { conv2d(x4, g.input(random({6, 4, 3, 3}, 8)), {.groups = 0}); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("groups")));
  Var<double> w = g.input(random({6, 4, 3, 3}, 9));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(x4, w, g.input(random({5}, 10))); }),
              AllOf(HasSubstr("Conv2d: expected bias [6]"), HasSubstr("got [5]")));
  EXPECT_THAT(message_of<ValueError>([&] { conv2d(x4, w, {.stride = {1, 0}}); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("stride"), HasSubstr("1x0")));
  EXPECT_THAT(message_of<ValueError>([&] { conv2d(x4, w, {.dilation = 0}); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("dilation")));
  EXPECT_THAT(message_of<ShapeError>([&] { conv2d(g.input(random({1, 4, 2, 5}, 11)), w); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("[1,4,2,5]"), HasSubstr("3x3"), HasSubstr("empty")));
}

TEST(PoolErrors, NameTheOpAndTheShapes) {
  Graph<double> g;
  Var<double> x = g.input(random({2, 3, 4, 4}, 1));
  EXPECT_THAT(message_of<ShapeError>([&] { max_pool2d(g.input(random({3, 4, 4}, 2)), {.kernel = 2}); }),
              HasSubstr("MaxPool2d: expected input [N,C,H,W], got [3,4,4]"));
  EXPECT_THAT(message_of<ShapeError>([&] { avg_pool2d(g.input(random({3, 4}, 2)), {.kernel = 2}); }),
              HasSubstr("AvgPool2d: expected input [N,C,H,W], got [3,4]"));
  EXPECT_THAT(message_of<ShapeError>([&] { adaptive_avg_pool2d(g.input(random({3, 4}, 2)), 1); }),
              HasSubstr("AdaptiveAvgPool2d: expected input [N,C,H,W], got [3,4]"));
  EXPECT_THAT(message_of<ShapeError>([&] { max_pool2d(x, {.kernel = 5}); }),
              AllOf(HasSubstr("MaxPool2d"), HasSubstr("[2,3,4,4]"), HasSubstr("5x5"), HasSubstr("empty")));
  EXPECT_THAT(message_of<ShapeError>([&] { avg_pool2d(x, {.kernel = {2, 5}}); }),
              AllOf(HasSubstr("AvgPool2d"), HasSubstr("[2,3,4,4]"), HasSubstr("2x5")));
  EXPECT_THAT(message_of<ValueError>([&] { max_pool2d(x, {.kernel = 2, .padding = 2}); }),
              AllOf(HasSubstr("MaxPool2d"), HasSubstr("padding 2x2"), HasSubstr("half the kernel 2x2")));
  EXPECT_THAT(message_of<ValueError>([&] { avg_pool2d(x, {.kernel = 0}); }),
              AllOf(HasSubstr("AvgPool2d"), HasSubstr("kernel size")));
  EXPECT_THAT(message_of<ValueError>([&] { adaptive_avg_pool2d(x, {0, 2}); }),
              AllOf(HasSubstr("AdaptiveAvgPool2d"), HasSubstr("output size"), HasSubstr("0x2")));
}

// ---- a steady step ----

// One thread: the ops' scratch buffers are per thread (ops/scratch.h), allocated on a
// thread's first use, and which TBB worker first runs a task is not fixed, so with two
// threads a later step could be some worker's first and allocate once. The first
// convolution (1 channel) runs through im2col, the second (8 channels on 8 x 8 planes)
// through Winograd (forward and dx, asserted) and the implicit GEMM (dW, with its offset
// tables).
TEST(ConvSteadyStep, AllocatesNothing) {
  const detail::Conv2dWinogradUse second = detail::conv2d_winograd_use({16, 8, 8, 8}, {16, 8, 3, 3}, {.padding = 1});
  ASSERT_TRUE(second.forward && second.input_grad);
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  Parameter<float> w1("w1", Tensor<float>(Shape{8, 1, 3, 3})), b1("b1", Tensor<float>(Shape{8}));
  Parameter<float> w2("w2", Tensor<float>(Shape{16, 8, 3, 3}));
  for (auto* p : {&w1, &b1, &w2})
    for (float& v : p->mutable_value().span()) v = 0.1f;
  Tensor<float> x(Shape{16, 1, 16, 16});
  for (float& v : x.span()) v = 0.5f;
  Graph<float> g;
  auto step = [&] {
    g.clear();
    Var<float> h = relu(conv2d(g.input(x), g.param(w1), g.param(b1), {.padding = 1}));
    h = max_pool2d(h, {.kernel = 2});
    h = conv2d(h, g.param(w2), {.padding = 1, .groups = 1});
    h = avg_pool2d(h, {.kernel = 3, .stride = 1, .padding = 1});
    g.backward(sum(adaptive_avg_pool2d(h, 1)));
  };
  step();
  step();
  const std::size_t before = testing::allocation_count();
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace cgrad
