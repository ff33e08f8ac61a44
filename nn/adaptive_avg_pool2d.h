#pragma once
// AdaptiveAvgPool2d<T>: the adaptive_avg_pool2d op as a module, as
// torch::nn::AdaptiveAvgPool2d: any [N, C, H, W] to [N, C, oh, ow]. It has no parameters.
//
//   AdaptiveAvgPool2d<float> global(AdaptiveAvgPool2dOptions(1));   // global average pooling
#include <cstddef>
#include <source_location>

#include "nn/module.h"
#include "nn/options.h"
#include "ops/nn/adaptive_avg_pool2d.h"

namespace cgrad {

struct AdaptiveAvgPool2dOptions {
  AdaptiveAvgPool2dOptions(Size2d output_size) : output_size_(output_size) {}  // NOLINT: implicit, as LibTorch's
  // A single number for both sides: AdaptiveAvgPool2dOptions(2) is 2x2.
  AdaptiveAvgPool2dOptions(std::size_t output_size) : AdaptiveAvgPool2dOptions(Size2d(output_size)) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(Size2d, output_size);
};

template <Real T>
class AdaptiveAvgPool2d : public UnaryModule<T> {
 public:
  // Throws ValueError when the output size is 0.
  explicit AdaptiveAvgPool2d(const AdaptiveAvgPool2dOptions& options) : options_(options) {
    detail::check_positive("AdaptiveAvgPool2d", "output size", options.output_size());
  }

  // x [N, C, H, W] -> [N, C, oh, ow]. Throws the op's ShapeError, which names the module, when
  // x is not of rank 4 ("AdaptiveAvgPool2d: expected input [N,C,H,W], got [3,4]").
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return adaptive_avg_pool2d(x, options_.output_size(), where);
  }
  const AdaptiveAvgPool2dOptions& options() const { return options_; }

 private:
  AdaptiveAvgPool2dOptions options_;
};

}  // namespace cgrad
