#include "model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace cgrad::spiral {

const char* weight_init_name(WeightInit init) { return init == WeightInit::He ? "he" : "seed"; }

template <Real T>
Network<T>::Network(std::span<const std::size_t> layer_sizes, RandomSource& rng, WeightInit init) {
  if (layer_sizes.size() < 2)
    throw ValueError(fmt::format("Network: needs at least an input and an output size, got {} sizes",
                                 layer_sizes.size()));
  for (std::size_t size : layer_sizes)
    if (size == 0) throw ValueError("Network: every layer size must be at least 1, got 0");
  layers_.reserve(layer_sizes.size() - 1);
  for (std::size_t l = 0; l + 1 < layer_sizes.size(); ++l) {
    const std::size_t in = layer_sizes[l];
    const std::size_t out = layer_sizes[l + 1];
    const auto suffix = l == 0 ? std::string() : fmt::format("{}", l + 1);
    const double scale = init == WeightInit::He ? std::sqrt(2.0 / static_cast<double>(in)) : 0.01;
    layers_.push_back({Parameter<T>("W" + suffix, normal_tensor<T>(in, out, scale, rng)),
                       Parameter<T>("b" + suffix, Tensor<T>(1, out))});
  }
}

template <Real T>
Var<T> Network<T>::scores(Graph<T>& g, Var<T> points) {
  Var<T> h = points;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    if (l > 0) h = relu(h);
    h = add_bias(matmul(h, g.param(layers_[l].weight)), g.param(layers_[l].bias));
  }
  return h;
}

template <Real T>
Var<T> Network<T>::loss(Graph<T>& g, Var<T> points, std::span<const std::int32_t> labels, T reg) {
  Var<T> total = softmax_xent(scores(g, points), labels);
  for (Layer& layer : layers_) total = total + l2_reg(g.param(layer.weight), reg);
  return total;
}

template <Real T>
std::vector<std::int32_t> Network<T>::predict(Graph<T>& g, const Tensor<T>& points) {
  NoGradGuard<T> no_grad(g);
  g.clear();
  const Tensor<T>& s = scores(g, g.input(points)).value();
  std::vector<std::int32_t> classes(s.rows());
  for (std::size_t i = 0; i < s.rows(); ++i) {
    const T* row = &s(i, 0);
    classes[i] = static_cast<std::int32_t>(std::max_element(row, row + s.cols()) - row);
  }
  return classes;
}

template <Real T>
std::vector<Parameter<T>*> Network<T>::parameters() {
  std::vector<Parameter<T>*> result;
  for (Layer& layer : layers_) {
    result.push_back(&layer.weight);
    result.push_back(&layer.bias);
  }
  return result;
}

template class Network<float>;
template class Network<double>;

}  // namespace cgrad::spiral
