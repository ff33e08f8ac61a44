#pragma once
// MaxPool2d<T>: the max_pool2d op as a module, as torch::nn::MaxPool2d (without ceil_mode
// and return_indices). It has no parameters.
//
//   MaxPool2d<float> pool(MaxPool2dOptions(2));   // 2x2 windows, stride 2
#include <cstddef>
#include <source_location>

#include "nn/module.h"
#include "nn/options.h"
#include "ops/nn/max_pool2d.h"

namespace cgrad {

struct MaxPool2dOptions {
  // The stride starts as the kernel size, as in LibTorch.
  MaxPool2dOptions(Size2d kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT: implicit, as LibTorch's
  // A single number for both sides: MaxPool2dOptions(2) is 2x2.
  MaxPool2dOptions(std::size_t kernel_size) : MaxPool2dOptions(Size2d(kernel_size)) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(Size2d, kernel_size);
  CGRAD_ARG(Size2d, stride);
  CGRAD_ARG(Size2d, padding) = 0;
  CGRAD_ARG(Size2d, dilation) = 1;
};

template <Real T>
class MaxPool2d : public UnaryModule<T> {
 public:
  // Throws ValueError when the kernel size, stride or dilation is 0 (the op would read a
  // zero stride as "the kernel size"); the op refuses a padding above half the kernel.
  explicit MaxPool2d(const MaxPool2dOptions& options) : options_(options) {
    detail::check_positive("MaxPool2d", "kernel size", options.kernel_size());
    detail::check_positive("MaxPool2d", "stride", options.stride());
    detail::check_positive("MaxPool2d", "dilation", options.dilation());
  }

  // x [N, C, H, W] -> [N, C, Ho, Wo]. Throws the op's ShapeError, which names the module, when x
  // is not of rank 4 ("MaxPool2d: expected input [N,C,H,W], got [3,4]").
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return max_pool2d(x,
                      {.kernel = options_.kernel_size(),
                       .stride = options_.stride(),
                       .padding = options_.padding(),
                       .dilation = options_.dilation()},
                      where);
  }
  const MaxPool2dOptions& options() const { return options_; }

 private:
  MaxPool2dOptions options_;
};

}  // namespace cgrad
