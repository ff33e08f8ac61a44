#pragma once
// AvgPool2d<T>: the avg_pool2d op as a module, as torch::nn::AvgPool2d (without ceil_mode
// and divisor_override). It has no parameters.
//
//   AvgPool2d<float> pool(AvgPool2dOptions(3).stride(1).padding(1).count_include_pad(false));
#include <cstddef>
#include <source_location>

#include "nn/module.h"
#include "nn/options.h"
#include "ops/nn/avg_pool2d.h"

namespace cgrad {

struct AvgPool2dOptions {
  // The stride starts as the kernel size, as in LibTorch.
  AvgPool2dOptions(Size2d kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT: implicit, as LibTorch's
  // A single number for both sides: AvgPool2dOptions(2) is 2x2.
  AvgPool2dOptions(std::size_t kernel_size) : AvgPool2dOptions(Size2d(kernel_size)) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(Size2d, kernel_size);
  CGRAD_ARG(Size2d, stride);
  CGRAD_ARG(Size2d, padding) = 0;
  // Whether the padding's zeros count in a window's mean (LibTorch's default).
  CGRAD_ARG(bool, count_include_pad) = true;
};

template <Real T>
class AvgPool2d : public UnaryModule<T> {
 public:
  // Throws ValueError when the kernel size or stride is 0 (the op would read a zero stride
  // as "the kernel size"); the op refuses a padding above half the kernel.
  explicit AvgPool2d(const AvgPool2dOptions& options) : options_(options) {
    detail::check_positive("AvgPool2d", "kernel size", options.kernel_size());
    detail::check_positive("AvgPool2d", "stride", options.stride());
  }

  // x [N, C, H, W] -> [N, C, Ho, Wo]. Throws the op's ShapeError, which names the module, when x
  // is not of rank 4 ("AvgPool2d: expected input [N,C,H,W], got [3,4]").
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return avg_pool2d(x,
                      {.kernel = options_.kernel_size(),
                       .stride = options_.stride(),
                       .padding = options_.padding(),
                       .count_include_pad = options_.count_include_pad()},
                      where);
  }
  const AvgPool2dOptions& options() const { return options_; }

 private:
  AvgPool2dOptions options_;
};

}  // namespace cgrad
