// Conv2d's Winograd path (ops/kernels/winograd_conv3x3.h): the kernel against a direct loop over
// every tap, on shapes that reach each part of its tiling (odd output sizes, paddings 0 to
// 2, planes of fewer slots than a block, blocks of several images with a partial last one,
// planes too large for two in a block), with flipped and transposed weights, accumulation
// and bias; float32's error against float64; the same bits for 1 and 2 threads; and which
// convolutions conv2d sends this way. Conv2d's results on this path are checked against the
// definition through the graph in tests/test_conv_ops.cpp and by the op suite
// (tests/ops/conv_samples.cpp), whose gradients are central differences.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#include "ops/kernels/winograd_conv3x3.h"
#include "ops/nn/conv2d_paths.h"
#include "tests/test_util.h"

namespace cgrad {
namespace {

using detail::Winograd3x3;

struct Case {
  Winograd3x3 shape;
  bool bias, accumulate;
  const char* what;
};

Shape input_shape(const Winograd3x3& s) { return {s.images, s.in_channels, s.height, s.width}; }
Shape weight_shape(const Winograd3x3& s) {
  return s.flip ? Shape{s.in_channels, s.out_channels, 3, 3} : Shape{s.out_channels, s.in_channels, 3, 3};
}
Shape output_shape(const Winograd3x3& s) { return {s.images, s.out_channels, s.out().h, s.out().w}; }

// y0 + bias + Σ_c Σ_ki Σ_kj x[n, c, i + ki - pad.h, j + kj - pad.w] w(o, c, ki, kj), in
// double, with w(o, c, ki, kj) = weight[c, o, 2 - ki, 2 - kj] for a flipped weight.
template <Real T>
Tensor<double> direct(const Winograd3x3& s, const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>* bias,
                      const Tensor<T>* y0) {
  const Size2d out = s.out();
  Tensor<double> y(output_shape(s));
  const auto tap = [&](std::size_t o, std::size_t c, std::size_t ki, std::size_t kj) {
    return static_cast<double>(s.flip ? weight(c, o, 2 - ki, 2 - kj) : weight(o, c, ki, kj));
  };
  for (std::size_t n = 0; n < s.images; ++n)
    for (std::size_t o = 0; o < s.out_channels; ++o)
      for (std::size_t i = 0; i < out.h; ++i)
        for (std::size_t j = 0; j < out.w; ++j) {
          double sum = bias != nullptr ? static_cast<double>((*bias)[o]) : 0.0;
          if (y0 != nullptr) sum += static_cast<double>((*y0)(n, o, i, j));
          for (std::size_t c = 0; c < s.in_channels; ++c)
            for (std::size_t ki = 0; ki < 3; ++ki)
              for (std::size_t kj = 0; kj < 3; ++kj) {
                const auto ih = static_cast<std::int64_t>(i + ki) - static_cast<std::int64_t>(s.pad.h);
                const auto iw = static_cast<std::int64_t>(j + kj) - static_cast<std::int64_t>(s.pad.w);
                if (ih < 0 || iw < 0 || ih >= static_cast<std::int64_t>(s.height) ||
                    iw >= static_cast<std::int64_t>(s.width))
                  continue;
                sum += static_cast<double>(x(n, c, static_cast<std::size_t>(ih), static_cast<std::size_t>(iw))) *
                       tap(o, c, ki, kj);
              }
          y(n, o, i, j) = sum;
        }
  return y;
}

// The kernel's result on seeded U(-1, 1) operands, and the direct loop's.
template <Real T>
struct Result {
  Tensor<T> got;
  Tensor<double> want;
};

template <Real T>
Result<T> convolve(const Case& c, std::uint64_t seed) {
  const Winograd3x3& s = c.shape;
  const Tensor<T> x = test::uniform_tensor<T>(input_shape(s), seed);
  const Tensor<T> w = test::uniform_tensor<T>(weight_shape(s), seed + 1);
  const Tensor<T> b = test::uniform_tensor<T>(Shape{s.out_channels}, seed + 2);
  Tensor<T> y = test::uniform_tensor<T>(output_shape(s), seed + 3);  // what accumulate adds to
  const Tensor<T> y0 = y;
  detail::winograd_conv3x3(s, x.data(), w.data(), c.bias ? b.data() : nullptr, y.data(), c.accumulate);
  return {y, direct(s, x, w, c.bias ? &b : nullptr, c.accumulate ? &y0 : nullptr)};
}

// {images, in, out, height, width, pad, flip}: see `what`.
const std::vector<Case>& cases() {
  static const std::vector<Case> list = {
      {{1, 1, 1, 1, 1, {1, 1}}, true, false, "a 1x1 plane: one tile, fewer slots than a block"},
      {{2, 3, 2, 5, 4, {0, 0}}, false, false, "valid, 3x2 outputs: an odd row of tiles, short blocks"},
      {{3, 4, 5, 7, 9, {1, 1}}, true, false, "7x9 outputs: odd both ways; 24 slots, a block overlapping the one before"},
      {{5, 2, 3, 14, 14, {1, 1}}, true, false, "14x14: two images a block, the last block one image"},
      {{2, 3, 4, 6, 8, {2, 1}}, false, false, "padding 2x1"},
      {{1, 5, 3, 10, 3, {0, 2}}, true, false, "padding 0x2 on a narrow plane"},
      {{4, 6, 2, 9, 11, {1, 0}, true}, false, false, "the weight flipped and transposed (the input gradient)"},
      {{3, 2, 4, 4, 4, {2, 2}, true}, false, true, "flipped, padding 2, added to y"},
      {{2, 4, 3, 8, 8, {1, 1}}, true, true, "bias and added to y"},
      {{3, 8, 16, 30, 30, {1, 1}}, true, false, "30x30: 240 slots, one image a block"},
  };
  return list;
}

TEST(Conv2dWinograd, MatchesTheDirectSumInFloat64) {
  std::uint64_t seed = 700;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    const Result<double> r = convolve<double>(c, seed += 4);
    ASSERT_EQ(r.got.shape(), r.want.shape());
    for (std::size_t i = 0; i < r.want.size(); ++i) ASSERT_NEAR(r.got[i], r.want[i], 1e-12) << "at " << i;
  }
}

// F(2x2, 3x3)'s transforms add up to 3 terms a step and halve the weight, so float32's
// sums differ from the exact ones by rounding a little more than the direct sums' (whose
// terms are the products themselves). Measured on these cases: at most 2.2e-7 of the
// output's largest magnitude (padding 2x1; the flipped weight 1.6e-7); the bound is 1e-6.
TEST(Conv2dWinograd, Float32StaysWithinRoundingOfFloat64) {
  std::uint64_t seed = 900;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    const Result<float> r = convolve<float>(c, seed += 4);
    double largest = 0, worst = 0;
    for (std::size_t i = 0; i < r.want.size(); ++i) {
      largest = std::max(largest, std::abs(r.want[i]));
      worst = std::max(worst, std::abs(static_cast<double>(r.got[i]) - r.want[i]));
    }
    EXPECT_LE(worst, 1e-6 * largest) << "largest " << largest;
  }
}

// A tile's transforms mix the 16 inputs it reads, but each output keeps only the terms of
// its own 3x3 field (the transforms' zeros fall where the field ends), so an inf or NaN
// input makes exactly the outputs whose fields hold it non-finite, in either layout of
// the weight. An inf may come out as NaN where the direct sum gives inf: the transforms
// add it to itself with opposite signs.
TEST(Conv2dWinograd, NonFiniteInputsReachOnlyTheirFields) {
  for (const bool flip : {false, true}) {
    const Winograd3x3 s{3, 4, 5, 14, 13, {1, 2}, flip};
    Tensor<double> x = test::uniform_tensor<double>(input_shape(s), 11);
    const Tensor<double> w = test::uniform_tensor<double>(weight_shape(s), 12);
    const double inf = std::numeric_limits<double>::infinity();
    x(0, 1, 5, 6) = inf;
    x(1, 3, 0, 0) = -inf;
    x(2, 0, 13, 12) = std::numeric_limits<double>::quiet_NaN();
    x(2, 2, 7, 0) = inf;
    Tensor<double> y(output_shape(s));
    detail::winograd_conv3x3(s, x.data(), w.data(), static_cast<const double*>(nullptr), y.data(), false);
    const Tensor<double> want = direct(s, x, w, static_cast<const Tensor<double>*>(nullptr),
                                       static_cast<const Tensor<double>*>(nullptr));
    std::size_t non_finite = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(std::isfinite(y[i]), std::isfinite(want[i])) << "at " << i << ": " << y[i] << ", direct " << want[i];
      non_finite += std::isfinite(want[i]) ? 0 : 1;
    }
    EXPECT_GT(non_finite, 0u);
  }
}

// Blocks of images in parallel: [7,16,14,14] -> 16 (4 blocks of 2 images, small GEMMs),
// and [14,128,7,7] -> 128 (3 blocks of 6 images, whose GEMMs, 128 x 120 x 128, split
// themselves inside the blocks' tasks).
TEST(Conv2dWinograd, SameBitsForOneAndTwoThreads) {
  for (const Winograd3x3 s : {Winograd3x3{7, 16, 16, 14, 14, {1, 1}}, Winograd3x3{14, 128, 128, 7, 7, {1, 1}}}) {
    const Tensor<float> x = test::uniform_tensor<float>(input_shape(s), 77);
    const Tensor<float> w = test::uniform_tensor<float>(weight_shape(s), 78);
    const Tensor<float> b = test::uniform_tensor<float>(Shape{s.out_channels}, 79);
    const auto with_threads = [&](std::size_t threads) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
      Tensor<float> y(output_shape(s));
      detail::winograd_conv3x3(s, x.data(), w.data(), b.data(), y.data(), false);
      return y;
    };
    const Tensor<float> one = with_threads(1), two = with_threads(2);
    for (std::size_t i = 0; i < one.size(); ++i) ASSERT_EQ(one[i], two[i]) << "at " << i;
  }
}

TEST(Conv2dWinograd, TakesThe3x3ConvolutionsAtStride1) {
  using detail::conv2d_winograd_use;
  const auto use = [](const Shape& x, const Shape& w, const Conv2dFuncOptions& o) {
    const detail::Conv2dWinogradUse u = conv2d_winograd_use(x, w, o);
    return std::pair{u.forward, u.input_grad};
  };
  const std::pair both{true, true}, neither{false, false};
  EXPECT_EQ(use({64, 16, 14, 14}, {32, 16, 3, 3}, {.padding = 1}), both);
  EXPECT_EQ(use({2, 8, 9, 12}, {4, 8, 3, 3}, {}), both);
  // benchmarks/bench_conv.cpp's wider layers, the smallest and the largest planes.
  EXPECT_EQ(use({16, 256, 7, 7}, {256, 256, 3, 3}, {.padding = 1}), both);
  EXPECT_EQ(use({8, 64, 56, 56}, {64, 64, 3, 3}, {.padding = 1}), both);
  // Fewer than 4 output channels: the input gradient's products would be 3 deep.
  EXPECT_EQ(use({2, 4, 9, 12}, {3, 4, 3, 3}, {}), (std::pair{true, false}));
  EXPECT_EQ(use({2, 3, 14, 14}, {8, 3, 3, 3}, {.padding = 1}), neither);  // 3 channels: im2col
  EXPECT_EQ(use({2, 8, 14, 14}, {8, 4, 3, 3}, {.padding = 1, .groups = 2}), neither);
  EXPECT_EQ(use({2, 8, 14, 14}, {8, 8, 3, 3}, {.padding = 2, .dilation = 2}), neither);
  EXPECT_EQ(use({2, 8, 14, 14}, {8, 8, 3, 3}, {.stride = 2, .padding = 1}), neither);
  EXPECT_EQ(use({2, 8, 14, 14}, {8, 8, 5, 5}, {.padding = 2}), neither);
  EXPECT_EQ(use({2, 8, 4, 4}, {8, 8, 3, 3}, {.padding = 1}), neither);  // 4x4 planes: im2col
}

}  // namespace
}  // namespace cgrad
