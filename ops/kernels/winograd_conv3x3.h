#pragma once
// Conv2d's kernel for 3x3 kernels at stride 1 and dilation 1: Winograd's minimal filtering
// F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016), which computes each 2x2 block of outputs from a 4x4 tile of input with 16
// multiplies a channel pair where the direct sum takes 36. The tiles' 16 elements become
// 16 independent products of the transformed weight [O, C] by the transformed tiles
// [C, tiles], run by cgrad::gemm; the transforms add and subtract, and scale by 1/2.
//
// The forward is such a convolution, and so is the input gradient: dy padded by
// 2 - padding, convolved with the weight flipped in space and transposed in channels
// (flip below). Every output is computed by one task, in a fixed order, so the result is
// the same for any thread count. The sums differ from the direct ones in rounding only:
// in float32 at most 2.2e-7 of the output's largest magnitude on the cases of
// tests/test_conv_winograd.cpp. An inf or NaN input makes exactly the outputs whose
// fields hold it non-finite, as the direct sum does, but an inf may come out as NaN.
#include <cstddef>

#include "graph/tensor.h"
#include "ops/nn/spatial.h"  // Size2d

namespace cgrad::detail {

// x [images, in_channels, height, width] padded by `pad` on each side, convolved with a
// 3x3 weight: [images, out_channels, height + 2 pad.h - 2, width + 2 pad.w - 2].
struct Winograd3x3 {
  std::size_t images, in_channels, out_channels, height, width;
  Size2d pad;
  // The weight as stored: [out_channels, in_channels, 3, 3] (false), or a forward
  // weight [in_channels, out_channels, 3, 3] read flipped and transposed (true), which
  // turns the forward's weight into the input gradient's.
  bool flip = false;

  Size2d out() const { return {height + 2 * pad.h - 2, width + 2 * pad.w - 2}; }
};

// y (=|+=) the convolution, plus bias[o] (when not null) on output channel o. Blocks of
// images run as parallel tasks when the work is large enough; call it from inside
// tbb::this_task_arena::isolate when the caller's thread holds op scratch of its own.
template <Real T>
void winograd_conv3x3(const Winograd3x3& s, const T* x, const T* weight, const T* bias, T* y, bool accumulate);

}  // namespace cgrad::detail
