#include "nn/gru.h"

#include "ops/nn/gru_cell.h"
#include "ops/shape/stack.h"

namespace cgrad {

template <Real T>
Gru<T>::Gru(const GruOptions& options, Rng& rng)
    : detail::RecurrentModule<T>("Gru", options.input_size(), options.hidden_size(), options.num_layers(), 3, rng),
      options_(options) {}

template <Real T>
GruOutput<T> Gru<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  return run(graph, x, nullptr, where);
}

template <Real T>
GruOutput<T> Gru<T>::forward(Graph<T>& graph, Var<T> x, Var<T> h0, std::source_location where) {
  return run(graph, x, &h0, where);
}

template <Real T>
GruOutput<T> Gru<T>::run(Graph<T>& graph, Var<T> x, const Var<T>* h0, std::source_location where) {
  this->begin_forward(x, {{"h0", h0}}, where);
  std::vector<Var<T>>& steps = this->steps_;
  for (std::size_t k = 0; k < this->num_layers(); ++k) {
    Var<T> h = this->initial_state(graph, h0, k, where);
    const auto w = this->layer_vars(graph, k, where);
    for (Var<T>& step : steps) {
      h = gru_cell(step, h, w.w_ih, w.w_hh, w.b_ih, w.b_hh, where);
      step = h;  // the next layer's input
    }
    this->last_h_.push_back(h);
  }
  return {stack(std::span<const Var<T>>(steps), 0, where), stack(std::span<const Var<T>>(this->last_h_), 0, where)};
}

template class Gru<float>;
template class Gru<double>;

}  // namespace cgrad
