#pragma once
// Conv2d<T>: the conv2d op as a module, as torch::nn::Conv2d. Parameters are registered as
// "weight" [out, in / groups, kh, kw] (PyTorch's layout) and "bias" [out] (only with a
// bias). PyTorch's default initialisation: the weight from kaiming_uniform with a = √5 and
// the bias from U(−b, b), both giving b = 1/√fan_in with fan_in = in / groups · kh · kw.
//
//   Conv2d<float> conv(Conv2dOptions(1, 16, 3).padding(1), rng);   // [N,1,H,W] -> [N,16,H,W]
#include <cstddef>
#include <source_location>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"
#include "ops/nn/conv2d.h"

namespace cgrad {

// The module's builder, as torch::nn::Conv2dOptions (zero padding only). The op's own
// arguments are Conv2dFuncOptions.
struct Conv2dOptions {
  Conv2dOptions(std::size_t in_channels, std::size_t out_channels, Size2d kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  CGRAD_ARG(std::size_t, in_channels);
  CGRAD_ARG(std::size_t, out_channels);
  CGRAD_ARG(Size2d, kernel_size);
  CGRAD_ARG(Size2d, stride) = 1;
  CGRAD_ARG(Size2d, padding) = 0;
  CGRAD_ARG(Size2d, dilation) = 1;
  CGRAD_ARG(std::size_t, groups) = 1;
  // Whether to add a bias.
  CGRAD_ARG(bool, bias) = true;
};

template <Real T>
class Conv2d : public UnaryModule<T> {
 public:
  // Draws the weight, then the bias, from `rng`. Throws ValueError when a channel count,
  // kernel size, stride, dilation or the group count is 0, or when groups does not divide
  // both channel counts.
  Conv2d(const Conv2dOptions& options, Rng& rng);

  // x [N, in, H, W] -> [N, out, Ho, Wo]. Throws ShapeError naming the module and the
  // expected input ("Conv2d: expected input [N,3,H,W], got [8,1,28,28]"), or the op's
  // ShapeError when the padded input is smaller than the kernel.
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override;

  const Conv2dOptions& options() const { return options_; }
  Parameter<T>& weight() { return weight_; }
  // Empty when the layer has no bias.
  Parameter<T>& bias() { return bias_; }

 private:
  Conv2dOptions options_;
  Parameter<T> weight_;
  Parameter<T> bias_;
};

extern template class Conv2d<float>;
extern template class Conv2d<double>;

}  // namespace cgrad
