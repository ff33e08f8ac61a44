#include "nn/linear.h"

#include <fmt/format.h>

#include "graph/error.h"
#include "ops/elementwise/add_bias.h"
#include "ops/linalg/matmul.h"

namespace cgrad {
namespace {

std::string qualified(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
}

template <Real T>
Tensor<T> initial_weight(std::size_t in, std::size_t out, const Init<T>& init) {
  if (in == 0 || out == 0) throw ValueError(fmt::format("Linear: cannot make a [{},{}] layer; sizes must be > 0", in, out));
  Tensor<T> w(in, out);
  init(w);
  if (w.shape() != Shape{in, out})
    throw ShapeError(fmt::format("Linear: the initialiser reshaped the weight to {}; it must stay [{},{}]", w.shape(), in, out));
  return w;
}

}  // namespace

template <Real T>
Linear<T>::Linear(std::size_t in, std::size_t out, const Init<T>& init, std::string_view name)
    : weight_(qualified(name, "weight"), initial_weight(in, out, init)),
      bias_(qualified(name, "bias"), Tensor<T>(1, out)) {}

template <Real T>
Var<T> Linear<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  return add_bias(matmul(x, graph.param(weight_, where), where), graph.param(bias_, where), where);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace cgrad
