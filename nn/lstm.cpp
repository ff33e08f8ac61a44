#include "nn/lstm.h"

#include "ops/nn/lstm_cell.h"
#include "ops/shape/stack.h"

namespace cgrad {

template <Real T>
Lstm<T>::Lstm(const LstmOptions& options, Rng& rng)
    : detail::RecurrentModule<T>("Lstm", options.input_size(), options.hidden_size(), options.num_layers(), 4, rng),
      options_(options) {}

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
  this->begin_forward(x, {{"h0", h0}, {"c0", c0}}, where);
  std::vector<Var<T>>& steps = this->steps_;
  last_c_.clear();
  for (std::size_t k = 0; k < this->num_layers(); ++k) {
    LstmState<T> state{this->initial_state(graph, h0, k, where), this->initial_state(graph, c0, k, where)};
    const auto w = this->layer_vars(graph, k, where);
    for (Var<T>& step : steps) {
      state = lstm_cell(step, state.h, state.c, w.w_ih, w.w_hh, w.b_ih, w.b_hh, where);
      step = state.h;  // the next layer's input
    }
    this->last_h_.push_back(state.h);
    last_c_.push_back(state.c);
  }
  return {stack(std::span<const Var<T>>(steps), 0, where), stack(std::span<const Var<T>>(this->last_h_), 0, where),
          stack(std::span<const Var<T>>(last_c_), 0, where)};
}

template class Lstm<float>;
template class Lstm<double>;

}  // namespace cgrad
