#include "nn/lstm.h"

#include <fmt/format.h>

#include "nn/recurrent_support.h"
#include "ops/nn/lstm_cell.h"
#include "ops/shape/stack.h"

namespace cgrad {

template <Real T>
Lstm<T>::Lstm(const LstmOptions& options, Rng& rng) : options_(options) {
  const std::size_t hidden = options.hidden_size(), gates = 4 * hidden;
  detail::check_recurrent_sizes("Lstm", options.input_size(), hidden, options.num_layers());
  layers_ = std::make_unique<Layer[]>(options.num_layers());
  for (std::size_t k = 0; k < options.num_layers(); ++k) {
    const std::size_t in = k == 0 ? options.input_size() : hidden;
    Layer& layer = layers_[k];
    // PyTorch's order of initialisation: weight_ih, weight_hh, bias_ih, bias_hh per layer.
    layer.weight_ih = detail::recurrent_parameter<T>(fmt::format("weight_ih_l{}", k), Shape{in, gates}, hidden, rng);
    layer.weight_hh = detail::recurrent_parameter<T>(fmt::format("weight_hh_l{}", k), Shape{hidden, gates}, hidden, rng);
    layer.bias_ih = detail::recurrent_parameter<T>(fmt::format("bias_ih_l{}", k), Shape{gates}, hidden, rng);
    layer.bias_hh = detail::recurrent_parameter<T>(fmt::format("bias_hh_l{}", k), Shape{gates}, hidden, rng);
    for (Parameter<T>* p : {&layer.weight_ih, &layer.weight_hh, &layer.bias_ih, &layer.bias_hh}) {
      p->zero_grad();
      this->register_parameter(p->name(), *p);
    }
  }
}

template <Real T>
LstmOutput<T> Lstm<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  return run(graph, x, nullptr, nullptr, where);
}

template <Real T>
LstmOutput<T> Lstm<T>::forward(Graph<T>& graph, Var<T> x, Var<T> h0, Var<T> c0, std::source_location where) {
  return run(graph, x, &h0, &c0, where);
}

template <Real T>
LstmOutput<T> Lstm<T>::run(Graph<T>& graph, Var<T> x, const Var<T>* h0, const Var<T>* c0,
                           std::source_location where) {
  const Shape& shape = x.shape();
  const std::size_t hidden = options_.hidden_size(), layers = options_.num_layers();
  detail::check_sequence("Lstm", shape, options_.input_size());
  const std::size_t steps = shape[0], batch = shape[1];
  if (h0 != nullptr) {
    detail::check_state("Lstm", "h0", h0->shape(), layers, batch, hidden, shape);
    detail::check_state("Lstm", "c0", c0->shape(), layers, batch, hidden, shape);
  } else {
    zeros_.resize(Shape{batch, hidden});
    zeros_.fill(T{0});
  }
  steps_.clear();
  last_h_.clear();
  last_c_.clear();
  for (std::size_t t = 0; t < steps; ++t) steps_.push_back(detail::step_of(x, t, where));
  for (std::size_t k = 0; k < layers; ++k) {
    Layer& layer = layers_[k];
    LstmState<T> state = h0 != nullptr
                             ? LstmState<T>{detail::step_of(*h0, k, where), detail::step_of(*c0, k, where)}
                             : LstmState<T>{graph.input(zeros_, where), graph.input(zeros_, where)};
    const Var<T> w_ih = graph.param(layer.weight_ih, where), w_hh = graph.param(layer.weight_hh, where);
    const Var<T> b_ih = graph.param(layer.bias_ih, where), b_hh = graph.param(layer.bias_hh, where);
    for (std::size_t t = 0; t < steps; ++t) {
      state = lstm_cell(steps_[t], state.h, state.c, w_ih, w_hh, b_ih, b_hh, where);
      steps_[t] = state.h;  // the next layer's input
    }
    last_h_.push_back(state.h);
    last_c_.push_back(state.c);
  }
  return {stack(std::span<const Var<T>>(steps_), 0, where), stack(std::span<const Var<T>>(last_h_), 0, where),
          stack(std::span<const Var<T>>(last_c_), 0, where)};
}

template class Lstm<float>;
template class Lstm<double>;

}  // namespace cgrad
