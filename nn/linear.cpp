#include "nn/linear.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "graph/error.h"
#include "ops/elementwise/relu.h"
#include "ops/linalg/affine.h"
#include "ops/linalg/affine_relu.h"
#include "ops/linalg/matmul.h"

namespace cgrad {
namespace {

std::string qualified(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
}

template <Real T>
Tensor<T> initial(Shape shape, const Init<T>& init, std::string_view what) {
  Tensor<T> t(shape);
  init(t);
  if (t.shape() != shape)
    throw ShapeError(fmt::format("Linear: the initialiser reshaped the {} to {}; it must stay {}", what, t.shape(), shape));
  return t;
}

std::size_t checked(std::size_t in, std::size_t out) {
  if (in == 0 || out == 0) throw ValueError(fmt::format("Linear: cannot make a [{},{}] layer; sizes must be > 0", in, out));
  return in;
}

}  // namespace

template <Real T>
Linear<T>::Linear(std::size_t in, std::size_t out, bool bias, const Init<T>& weight_init, const Init<T>& bias_init,
                  std::string_view name)
    : weight_(qualified(name, "weight"), initial(Shape{checked(in, out), out}, weight_init, "weight")),
      bias_(qualified(name, "bias"), bias ? initial(Shape{1, out}, bias_init, "bias") : Tensor<T>()),
      has_bias_(bias) {
  this->register_parameter("weight", weight_);
  if (has_bias_) this->register_parameter("bias", bias_);
}

template <Real T>
Linear<T>::Linear(const LinearOptions& options, Rng& rng)
    : Linear(options.in_features(), options.out_features(), options.bias(), kaiming_uniform<T>(rng, std::sqrt(5.0)),
             // PyTorch bounds the bias by the weight's fan-in, not the bias's own size.
             uniform<T>(rng, -1 / std::sqrt(static_cast<double>(std::max<std::size_t>(options.in_features(), 1))),
                        1 / std::sqrt(static_cast<double>(std::max<std::size_t>(options.in_features(), 1)))),
             "") {}

template <Real T>
Linear<T>::Linear(std::size_t in, std::size_t out, const Init<T>& init, std::string_view name)
    : Linear(in, out, true, init, zeros<T>(), name) {}

template <Real T>
Var<T> Linear<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  Var<T> weight = graph.param(weight_, where);
  return has_bias_ ? affine(x, weight, graph.param(bias_, where), where) : matmul(x, weight, where);
}

template <Real T>
Var<T> Linear<T>::forward_relu(Graph<T>& graph, Var<T> x, std::source_location where) {
  if (!has_bias_) return relu(forward(graph, x, where), where);
  // The weight's leaf first, as forward records them (arguments have no evaluation order,
  // and the grad-ready hook orders a node's parameters by their leaves).
  Var<T> weight = graph.param(weight_, where);
  return affine_relu(x, weight, graph.param(bias_, where), where);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace cgrad
