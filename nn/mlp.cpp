#include "nn/mlp.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/error.h"
#include "ops/elementwise/relu.h"

namespace cgrad {

template <Real T>
Mlp<T>::Mlp(const std::vector<std::size_t>& sizes, const Init<T>& init) {
  if (sizes.size() < 2)
    throw ValueError(fmt::format("Mlp: sizes {} need at least an input and an output size", sizes));
  layers_.reserve(sizes.size() - 1);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
    layers_.emplace_back(sizes[i], sizes[i + 1], init, fmt::format("{}", i));
}

template <Real T>
Var<T> Mlp<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i].forward(graph, x, where);
    if (i + 1 < layers_.size()) x = relu(x, where);
  }
  return x;
}

template <Real T>
std::vector<Parameter<T>*> Mlp<T>::parameters() {
  std::vector<Parameter<T>*> all;
  for (Linear<T>& layer : layers_)
    for (Parameter<T>* p : layer.parameters()) all.push_back(p);
  return all;
}

template <Real T>
std::vector<NamedParameter<T>> Mlp<T>::named_parameters() {
  std::vector<NamedParameter<T>> all;
  for (Linear<T>& layer : layers_)
    for (NamedParameter<T>& p : layer.named_parameters()) all.push_back(std::move(p));
  return all;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace cgrad
