#pragma once
// Parameter-free layers as UnaryModules, so a Sequential can hold them: ReLU, Tanh,
// Sigmoid, GELU (erf form) and Flatten (axes start_dim..end_dim merged, as torch.nn.Flatten,
// which keeps the batch axis: start_dim = 1 by default). Each forwards to its op.
#include <cstdint>
#include <source_location>

#include "nn/module.h"
#include "nn/options.h"
#include "ops/elementwise/gelu.h"
#include "ops/elementwise/relu.h"
#include "ops/elementwise/sigmoid.h"
#include "ops/elementwise/tanh.h"
#include "ops/shape/reshape.h"

namespace cgrad {

template <Real T>
class ReLU : public UnaryModule<T> {
 public:
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return relu(x, where);
  }
};

template <Real T>
class Tanh : public UnaryModule<T> {
 public:
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return tanh(x, where);
  }
};

template <Real T>
class Sigmoid : public UnaryModule<T> {
 public:
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return sigmoid(x, where);
  }
};

template <Real T>
class GELU : public UnaryModule<T> {
 public:
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return gelu(x, where);
  }
};

struct FlattenOptions {
  CGRAD_ARG(std::int64_t, start_dim) = 1;
  CGRAD_ARG(std::int64_t, end_dim) = -1;
};

template <Real T>
class Flatten : public UnaryModule<T> {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : options_(options) {}
  Var<T> forward(Graph<T>&, Var<T> x, std::source_location where = std::source_location::current()) override {
    return flatten(x, options_.start_dim(), options_.end_dim(), where);
  }
  const FlattenOptions& options() const { return options_; }

 private:
  FlattenOptions options_;
};

}  // namespace cgrad
