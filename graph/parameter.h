#pragma once
// A trainable value and its gradient. Parameters live outside any graph: a graph reads
// their value where they enter it as leaves, and backward adds into their grad. That
// is what lets one graph be cleared every step while the model and the optimizer's
// state persist.
#include <cstdint>
#include <string>
#include <utility>

#include "graph/tensor.h"

namespace cgrad {

template <Real T>
class Parameter {
 public:
  Parameter() = default;
  Parameter(std::string name, Tensor<T> value)
      : name_(std::move(name)), value_(std::move(value)), grad_(value_.shape()) {}

  const std::string& name() const { return name_; }
  Shape shape() const { return value_.shape(); }

  const Tensor<T>& value() const { return value_; }
  // Writing goes through mutable_value(), which counts as a change: it bumps version(), as
  // an in-place op bumps a LibTorch tensor's version. A graph that read this parameter with
  // param() refuses to back-propagate through a changed value (the gradient would belong
  // to another point). Reading never counts, so value() is const.
  Tensor<T>& mutable_value() {
    ++version_;
    return value_;
  }
  std::uint64_t version() const { return version_; }
  // Accumulated by every backward pass until zero_grad().
  Tensor<T>& grad() { return grad_; }
  const Tensor<T>& grad() const { return grad_; }

  void zero_grad() {
    grad_.resize(value_.shape());  // the const value_: reading the shape is no change
    grad_.fill(T{0});
  }

 private:
  std::string name_;
  Tensor<T> value_;
  Tensor<T> grad_;
  std::uint64_t version_ = 0;
};

}  // namespace cgrad
