#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/nn/spatial.h"

namespace cgrad {

// The mean over adaptive windows of x [N, C, H, W] -> [N, C, oh, ow], as
// torch::nn::functional::adaptive_avg_pool2d: output row i averages input rows
// [floor(i H / oh), ceil((i + 1) H / oh)), and columns alike. {1, 1} is global average
// pooling. Throws ValueError for an output size of 0.
template <Real T>
Var<T> adaptive_avg_pool2d(Var<T> x, Size2d output_size,
                           std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& adaptive_avg_pool2d_op();

}  // namespace cgrad
