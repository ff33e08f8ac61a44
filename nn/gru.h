#pragma once
// Gru<T>: a multi-layer GRU over a sequence, as torch::nn::GRU with its defaults
// (sequence first, biases, unidirectional). Each step of each layer is one GruCell op
// (ops/nn/gru_cell.h); layer k > 0 reads layer k-1's hidden states.
//
// Input x [T,N,I] (T steps, batch N, I = input_size), sequence first like PyTorch's
// default; an optional initial state h0 [L,N,H] (zeros otherwise). Returns the top layer's
// hidden state at every step [T,N,H] and every layer's final state [L,N,H].
//
// Parameters, named as PyTorch's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
// bias_hh_l{k}. The weights are stored [in, 3H] and [H, 3H] (cgrad computes x·W), the
// transposes of PyTorch's; gate order r, z, n as PyTorch's. All are initialised
// U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default.
#include <source_location>

#include "graph/graph.h"
#include "nn/random.h"
#include "nn/recurrent_support.h"

namespace cgrad {

// GruOptions(input_size, hidden_size).num_layers(L).
using GruOptions = detail::RecurrentOptions<struct GruTag>;

template <Real T>
struct GruOutput {
  Var<T> output;  // [T,N,H]: the top layer's h at every step
  Var<T> h;       // [L,N,H]: every layer's last h
};

// layer(k) gives layer k's weight_ih, weight_hh, bias_ih, bias_hh.
template <Real T>
class Gru : public detail::RecurrentModule<T> {
 public:
  // Throws ValueError when a size or the number of layers is 0.
  Gru(const GruOptions& options, Rng& rng);

  GruOutput<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());
  GruOutput<T> forward(Graph<T>& graph, Var<T> x, Var<T> h0,
                       std::source_location where = std::source_location::current());

  const GruOptions& options() const { return options_; }

 private:
  GruOutput<T> run(Graph<T>& graph, Var<T> x, const Var<T>* h0, std::source_location where);

  GruOptions options_;
};

extern template class Gru<float>;
extern template class Gru<double>;

}  // namespace cgrad
