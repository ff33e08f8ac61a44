#pragma once
// LayerNorm<T>: the layer_norm op as a module, as torch::nn::LayerNorm. It normalizes x over
// its trailing axes `normalized_shape`; with elementwise_affine (the default) it owns a
// weight (ones) and a bias (zeros) of that shape.
#include <source_location>

#include "nn/module.h"
#include "nn/options.h"
#include "ops/nn/layer_norm.h"

namespace cgrad {

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(normalized_shape) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(Shape, normalized_shape);
  CGRAD_ARG(double, eps) = 1e-5;
  CGRAD_ARG(bool, elementwise_affine) = true;
};

template <Real T>
class LayerNorm : public UnaryModule<T> {
 public:
  explicit LayerNorm(const LayerNormOptions& options)
      : options_(options),
        weight_("weight", Tensor<T>::full(options.normalized_shape(), T{1})),
        bias_("bias", Tensor<T>(options.normalized_shape())) {
    if (options_.elementwise_affine()) {
      this->register_parameter("weight", weight_);
      this->register_parameter("bias", bias_);
    }
  }

  // The op's errors name LayerNorm and both shapes: "LayerNorm: x is [8,3,5] but normalized_shape is [4]; ...".
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override {
    const bool affine = options_.elementwise_affine();
    return layer_norm(x, options_.normalized_shape(), affine ? graph.param(weight_, where) : Var<T>{},
                      affine ? graph.param(bias_, where) : Var<T>{}, options_.eps(), where);
  }

  const LayerNormOptions& options() const { return options_; }
  Parameter<T>& weight() { return weight_; }
  Parameter<T>& bias() { return bias_; }

 private:
  LayerNormOptions options_;
  Parameter<T> weight_;  // registered only with elementwise_affine
  Parameter<T> bias_;
};

}  // namespace cgrad
