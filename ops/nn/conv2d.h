#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/nn/spatial.h"

namespace cgrad {

// The arguments of conv2d besides its tensors, as torch::nn::functional::Conv2dFuncOptions
// (the name Conv2dOptions belongs to the nn::Conv2d module's builder). Designated
// initializers read like torch's keywords: {.stride = 2, .padding = {1, 0}}.
struct Conv2dFuncOptions {
  Size2d stride{1};
  Size2d padding{0};
  Size2d dilation{1};
  std::size_t groups = 1;
};

// 2-D cross-correlation over NCHW values, as torch::nn::functional::conv2d:
//   x [N, C, H, W], weight [O, C / groups, kh, kw], bias [O] -> [N, O, Ho, Wo],
//   Ho = (H + 2 padding.h - dilation.h (kh - 1) - 1) / stride.h + 1 (and Wo alike),
// with zero padding. Channels split into `groups` independent convolutions: group g maps
// input channels [g C/g, (g+1) C/g) to output channels [g O/g, (g+1) O/g).
// Pass a default-constructed Var<T>() as bias for none, or use the overload without it.
// Throws ShapeError naming the shapes when they do not fit, ValueError for a zero stride,
// dilation or group count.
template <Real T>
Var<T> conv2d(Var<T> x, Var<T> weight, Var<T> bias, const Conv2dFuncOptions& options = {},
              std::source_location where = std::source_location::current());
template <Real T>
Var<T> conv2d(Var<T> x, Var<T> weight, const Conv2dFuncOptions& options = {},
              std::source_location where = std::source_location::current()) {
  return conv2d(x, weight, Var<T>(), options, where);
}

template <Real T>
const OpInfo<T>& conv2d_op();

}  // namespace cgrad
