#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// The arguments of batch_norm besides its tensors, as LibTorch's BatchNormFuncOptions (the
// name BatchNormOptions belongs to the BatchNorm modules' options, as in LibTorch).
struct BatchNormFuncOptions {
  bool training = false;  // batch statistics (and running-buffer updates), or the running ones
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  double eps = 1e-5;      // added to the variance under the square root
};

// Batch normalization, as torch::nn::functional::batch_norm, over x of [N,C] or [N,C,*]
// with statistics per channel (axis 1), taken over the batch and every trailing axis:
//   y = (x - mean) / sqrt(var + eps) * weight + bias,
// weight and bias of [C], each optional (a default-constructed Var<T>() leaves it out).
//
// Training: mean and var are the batch's (var biased), and when the op is recorded the
// running buffers, where given, move towards them: running_mean by the mean, running_var by
// the unbiased variance (var * count / (count - 1)), as PyTorch does. Either buffer may be
// nullptr. A channel with a single value is a ValueError ("expected more than 1 value per
// channel when training"). Evaluation: mean and var are read from the running buffers, which
// must be given, when the op is recorded; the op is then a per-channel affine map of x, and
// so is its backward.
//
// Sums are taken in double in a fixed order (two-pass variance), one channel per task, so the
// result is the same on any number of threads. The backward is fused: per channel, one pass
// for the two sums and one for dx.
template <Real T>
Var<T> batch_norm(Var<T> x, Tensor<T>* running_mean, Tensor<T>* running_var, Var<T> weight = {}, Var<T> bias = {},
                  BatchNormFuncOptions options = {}, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& batch_norm_op();

}  // namespace cgrad
