#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/nn/spatial.h"

namespace cgrad {

// As torch::nn::functional::MaxPool2dFuncOptions (without ceil_mode). A stride of 0 means
// the kernel size, torch's default. Padding is at most half the kernel.
struct MaxPool2dFuncOptions {
  Size2d kernel;
  Size2d stride{0};
  Size2d padding{0};
  Size2d dilation{1};
};

// The largest value of each window of x [N, C, H, W] -> [N, C, Ho, Wo], as
// torch::nn::functional::max_pool2d: Ho = (H + 2 padding.h - dilation.h (kh - 1) - 1) /
// stride.h + 1. The padding never wins (it is -inf), ties go to the first element of the
// window in row-major order, and a NaN in a window is its maximum. The position of each
// maximum is kept for backward, which passes dy to it alone.
template <Real T>
Var<T> max_pool2d(Var<T> x, const MaxPool2dFuncOptions& options,
                  std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& max_pool2d_op();

}  // namespace cgrad
