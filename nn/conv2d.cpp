#include "nn/conv2d.h"

#include <cmath>

#include <fmt/format.h>

#include "graph/error.h"
#include "nn/init.h"

namespace cgrad {
namespace {

const Conv2dOptions& checked(const Conv2dOptions& o) {
  if (o.in_channels() == 0 || o.out_channels() == 0)
    throw ValueError(fmt::format("Conv2d: cannot map {} to {} channels; channel counts must be > 0", o.in_channels(),
                                 o.out_channels()));
  detail::check_positive("Conv2d", "kernel size", o.kernel_size());
  detail::check_positive("Conv2d", "stride", o.stride());
  detail::check_positive("Conv2d", "dilation", o.dilation());
  if (o.groups() == 0 || o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0)
    throw ValueError(fmt::format("Conv2d: {} groups must divide both {} input and {} output channels", o.groups(),
                                 o.in_channels(), o.out_channels()));
  return o;
}

Shape weight_shape(const Conv2dOptions& o) {
  return Shape{o.out_channels(), o.in_channels() / o.groups(), o.kernel_size().h, o.kernel_size().w};
}

template <Real T>
Tensor<T> initial_weight(const Conv2dOptions& o, Rng& rng) {
  Tensor<T> w(weight_shape(o));
  kaiming_uniform<T>(rng, std::sqrt(5.0))(w);
  return w;
}

template <Real T>
Tensor<T> initial_bias(const Conv2dOptions& o, Rng& rng) {
  if (!o.bias()) return Tensor<T>();
  // As PyTorch: the bias is bounded by the weight's fan-in, not by its own size.
  const double bound = 1 / std::sqrt(static_cast<double>(fans_of(weight_shape(o)).in));
  Tensor<T> b(Shape{o.out_channels()});
  uniform<T>(rng, -bound, bound)(b);
  return b;
}

}  // namespace

template <Real T>
Conv2d<T>::Conv2d(const Conv2dOptions& options, Rng& rng)
    : options_(checked(options)),
      // Members initialise in declaration order: the weight draws before the bias.
      weight_("weight", initial_weight<T>(options, rng)),
      bias_("bias", initial_bias<T>(options, rng)) {
  this->register_parameter("weight", weight_);
  if (options_.bias()) this->register_parameter("bias", bias_);
}

template <Real T>
Var<T> Conv2d<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  const Shape& shape = x.shape();
  if (shape.rank() != 4 || shape[1] != options_.in_channels())
    throw ShapeError(fmt::format("Conv2d: expected input [N,{},H,W], got {}", options_.in_channels(), shape));
  const Conv2dFuncOptions op_options{.stride = options_.stride(),
                                     .padding = options_.padding(),
                                     .dilation = options_.dilation(),
                                     .groups = options_.groups()};
  Var<T> bias = options_.bias() ? graph.param(bias_, where) : Var<T>();
  return conv2d(x, graph.param(weight_, where), bias, op_options, where);
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace cgrad
