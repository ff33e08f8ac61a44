#include "model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace cgrad::spiral {

const char* weight_init_name(WeightInit init) { return init == WeightInit::He ? "he" : "seed"; }

namespace {

// Each weight in turn gets scale * randn, row-major, from the example's one random stream,
// as the seed's 0.01 * np.random.randn(in, out) fills it.
template <Real T>
Init<T> seed_or_he(RandomSource& rng, WeightInit init) {
  return [&rng, init](Tensor<T>& w) {
    const double scale = init == WeightInit::He ? std::sqrt(2.0 / static_cast<double>(w.rows())) : 0.01;
    for (T& v : w.span()) v = static_cast<T>(scale * rng.normal());
  };
}

std::vector<std::size_t> checked_sizes(std::span<const std::size_t> layer_sizes) {
  if (layer_sizes.size() < 2)
    throw ValueError(fmt::format("Network: needs at least an input and an output size, got {} sizes",
                                 layer_sizes.size()));
  for (std::size_t size : layer_sizes)
    if (size == 0) throw ValueError("Network: every layer size must be at least 1, got 0");
  return {layer_sizes.begin(), layer_sizes.end()};
}

}  // namespace

template <Real T>
Network<T>::Network(std::span<const std::size_t> layer_sizes, RandomSource& rng, WeightInit init)
    : mlp_(checked_sizes(layer_sizes), seed_or_he<T>(rng, init)) {}

template <Real T>
Var<T> Network<T>::scores(Graph<T>& g, Var<T> points) {
  return mlp_.forward(g, points);
}

template <Real T>
Var<T> Network<T>::loss(Graph<T>& g, Var<T> points, std::span<const std::int32_t> labels, T reg) {
  Var<T> total = softmax_xent(scores(g, points), labels);
  for (Linear<T>& layer : mlp_.layers()) total = total + l2_reg(g.param(layer.weight()), reg);
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

template class Network<float>;
template class Network<double>;

}  // namespace cgrad::spiral
