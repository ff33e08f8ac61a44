#include "nn/mlp.h"

#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "graph/error.h"

namespace cgrad {
namespace {

void check_sizes(const std::vector<std::size_t>& sizes) {
  if (sizes.size() < 2)
    throw ValueError(fmt::format("Mlp: sizes {} need at least an input and an output size", sizes));
}

}  // namespace

template <Real T>
Mlp<T>::Mlp(const MlpOptions& options, Rng& rng) {
  const std::vector<std::size_t>& sizes = options.sizes();
  check_sizes(sizes);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) layers_.emplace_back(LinearOptions(sizes[i], sizes[i + 1]), rng);
  register_layers();
}

template <Real T>
Mlp<T>::Mlp(const std::vector<std::size_t>& sizes, const Init<T>& init) {
  check_sizes(sizes);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
    layers_.emplace_back(sizes[i], sizes[i + 1], init, fmt::format("{}", i));
  register_layers();
}

// The layers change owner without moving; the source forgets them.
template <Real T>
Mlp<T>::Mlp(Mlp&& other) {
  take_layers(other);
}

template <Real T>
Mlp<T>& Mlp<T>::operator=(Mlp&& other) {
  if (this != &other) take_layers(other);
  return *this;
}

template <Real T>
void Mlp<T>::take_layers(Mlp& other) {
  this->unregister_all();
  layers_ = std::move(other.layers_);
  other.unregister_all();
  other.layers_.clear();
  register_layers();
  this->train(other.is_training());
}

template <Real T>
void Mlp<T>::register_layers() {
  for (std::size_t i = 0; i < layers_.size(); ++i) this->register_module(std::to_string(i), layers_[i]);
}

template <Real T>
Var<T> Mlp<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    // A hidden layer's product, bias and ReLU as one node (the same bits as Linear then ReLU).
    x = i + 1 < layers_.size() ? layers_[i].forward_relu(graph, x, where) : layers_[i].forward(graph, x, where);
  }
  return x;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace cgrad
