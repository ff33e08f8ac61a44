#pragma once
// BatchNorm1d<T> ([N,C] or [N,C,L]) and BatchNorm2d<T> ([N,C,H,W]): the batch_norm op as
// modules, as torch::nn::BatchNorm1d/2d. In training mode (the default) they normalize with
// the batch's statistics and, with track_running_stats, move the running buffers towards
// them; in evaluation mode (eval()) they normalize with the running buffers. Without
// track_running_stats they always use the batch's statistics, as PyTorch does.
// Parameters: weight (ones) and bias (zeros) of [C] with affine; buffers: running_mean
// (zeros) and running_var (ones) with track_running_stats.
#include <source_location>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"
#include "nn/module.h"
#include "nn/options.h"
#include "ops/nn/batch_norm.h"

namespace cgrad {

struct BatchNormOptions {
  BatchNormOptions(std::size_t num_features) : num_features_(num_features) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(std::size_t, num_features);
  CGRAD_ARG(double, eps) = 1e-5;
  CGRAD_ARG(double, momentum) = 0.1;
  CGRAD_ARG(bool, affine) = true;
  CGRAD_ARG(bool, track_running_stats) = true;
};

namespace detail {

// What BatchNorm1d and BatchNorm2d share; they differ in the input ranks they accept.
template <Real T>
class BatchNormModule : public UnaryModule<T> {
 public:
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override {
    check_input(x.shape());
    const bool affine = options_.affine(), tracked = options_.track_running_stats();
    return batch_norm(x, tracked ? &running_mean_ : nullptr, tracked ? &running_var_ : nullptr,
                      affine ? graph.param(weight_, where) : Var<T>{}, affine ? graph.param(bias_, where) : Var<T>{},
                      {.training = this->is_training() || !tracked, .momentum = options_.momentum(), .eps = options_.eps()},
                      where);
  }

  const BatchNormOptions& options() const { return options_; }
  Parameter<T>& weight() { return weight_; }
  Parameter<T>& bias() { return bias_; }
  Tensor<T>& running_mean() { return running_mean_; }
  Tensor<T>& running_var() { return running_var_; }

 protected:
  explicit BatchNormModule(const BatchNormOptions& options)
      : options_(options),
        weight_("weight", Tensor<T>::full(Shape{options.num_features()}, T{1})),
        bias_("bias", Tensor<T>(Shape{options.num_features()})),
        running_mean_(Shape{options.num_features()}),
        running_var_(Tensor<T>::full(Shape{options.num_features()}, T{1})) {
    if (options_.affine()) {
      this->register_parameter("weight", weight_);
      this->register_parameter("bias", bias_);
    }
    if (options_.track_running_stats()) {
      this->register_buffer("running_mean", running_mean_);
      this->register_buffer("running_var", running_var_);
    }
  }
  // Throws ShapeError naming the module and the layout it expects.
  virtual void check_input(const Shape& x) const = 0;

  BatchNormOptions options_;
  Parameter<T> weight_;  // registered only with affine
  Parameter<T> bias_;
  Tensor<T> running_mean_;  // registered only with track_running_stats
  Tensor<T> running_var_;
};

}  // namespace detail

template <Real T>
class BatchNorm1d : public detail::BatchNormModule<T> {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : detail::BatchNormModule<T>(options) {}

 private:
  void check_input(const Shape& x) const override {
    const std::size_t c = this->options_.num_features();
    if ((x.rank() != 2 && x.rank() != 3) || x[1] != c)
      throw ShapeError(fmt::format("BatchNorm1d: expected input [N,{0}] or [N,{0},L], got {1}", c, x));
  }
};

template <Real T>
class BatchNorm2d : public detail::BatchNormModule<T> {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : detail::BatchNormModule<T>(options) {}

 private:
  void check_input(const Shape& x) const override {
    const std::size_t c = this->options_.num_features();
    if (x.rank() != 4 || x[1] != c)
      throw ShapeError(fmt::format("BatchNorm2d: expected input [N,{},H,W], got {}", c, x));
  }
};

}  // namespace cgrad
