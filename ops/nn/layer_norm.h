#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// Layer normalization, as torch::nn::functional::layer_norm: x is normalized over its
// trailing axes `normalized_shape` (x's shape must end with it),
//   y = (x - mean) / sqrt(var + eps) * weight + bias,
// with the mean and the biased variance of each such slice ("row"). weight and bias have the
// shape normalized_shape; either may be left out with a default-constructed Var<T>() (no
// scale, no shift). eps must be finite and >= 0.
//
// The statistics are summed in double in a fixed order (two passes: mean, then squared
// deviations), so a row with a large mean and a tiny spread keeps its digits. The node keeps
// each row's mean and 1 / sqrt(var + eps) for the backward, which is fused: one pass per row
// for dx, one per column for dweight and dbias.
template <Real T>
Var<T> layer_norm(Var<T> x, const Shape& normalized_shape, Var<T> weight = {}, Var<T> bias = {}, double eps = 1e-5,
                  std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& layer_norm_op();

}  // namespace cgrad
