#pragma once
// A trainable value and its gradient. Parameters live outside any graph: a graph reads
// their value where they enter it as leaves, and backward adds into their grad. That
// is what lets one graph be cleared every step while the model and the optimizer's
// state persist.
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

  Tensor<T>& value() { return value_; }
  const Tensor<T>& value() const { return value_; }
  // Accumulated by every backward pass until zero_grad().
  Tensor<T>& grad() { return grad_; }
  const Tensor<T>& grad() const { return grad_; }

  void zero_grad() {
    grad_.resize(value_.shape());
    grad_.fill(T{0});
  }

 private:
  std::string name_;
  Tensor<T> value_;
  Tensor<T> grad_;
};

}  // namespace cgrad
