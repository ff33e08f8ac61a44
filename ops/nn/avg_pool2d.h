#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/nn/spatial.h"

namespace cgrad {

// As torch::nn::functional::AvgPool2dFuncOptions (without ceil_mode and divisor_override).
// A stride of 0 means the kernel size, torch's default. Padding is at most half the kernel.
struct AvgPool2dFuncOptions {
  Size2d kernel;
  Size2d stride{0};
  Size2d padding{0};
  // Whether the zeros of the padding count in a window's mean (torch's default) or only
  // the elements inside the input do.
  bool count_include_pad = true;
};

// The mean of each window of x [N, C, H, W] -> [N, C, Ho, Wo], as
// torch::nn::functional::avg_pool2d: Ho = (H + 2 padding.h - kh) / stride.h + 1.
template <Real T>
Var<T> avg_pool2d(Var<T> x, const AvgPool2dFuncOptions& options,
                  std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& avg_pool2d_op();

}  // namespace cgrad
