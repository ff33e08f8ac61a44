#pragma once
// Lstm<T>: a multi-layer LSTM over a sequence, as torch::nn::LSTM with its defaults
// (sequence first, biases, unidirectional). Each step of each layer is one LstmCell op
// (ops/nn/lstm_cell.h); layer k > 0 reads layer k-1's hidden states.
//
// Input x [T,N,I] (T steps, batch N, I = input_size), sequence first like PyTorch's
// default; optional initial states h0, c0 [L,N,H] (zeros otherwise). Returns the top
// layer's hidden state at every step [T,N,H] and every layer's final states [L,N,H].
//
// Parameters, named as PyTorch's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
// bias_hh_l{k}. The weights are stored [in, 4H] and [H, 4H] (cgrad computes x·W), the
// transposes of PyTorch's [4H, in] and [4H, H]; gate order i, f, g, o as PyTorch's. All
// are initialised U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default.
#include <source_location>
#include <vector>

#include "graph/graph.h"
#include "nn/random.h"
#include "nn/recurrent_support.h"

namespace cgrad {

// LstmOptions(input_size, hidden_size).num_layers(L).
using LstmOptions = detail::RecurrentOptions<struct LstmTag>;

template <Real T>
struct LstmOutput {
  Var<T> output;  // [T,N,H]: the top layer's h at every step
  Var<T> h;       // [L,N,H]: every layer's last h
  Var<T> c;       // [L,N,H]: every layer's last c
};

// layer(k) gives layer k's weight_ih, weight_hh, bias_ih, bias_hh.
template <Real T>
class Lstm : public detail::RecurrentModule<T> {
 public:
  // Throws ValueError when a size or the number of layers is 0.
  Lstm(const LstmOptions& options, Rng& rng);

  LstmOutput<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());
  LstmOutput<T> forward(Graph<T>& graph, Var<T> x, Var<T> h0, Var<T> c0,
                        std::source_location where = std::source_location::current());

  const LstmOptions& options() const { return options_; }

 private:
  LstmOutput<T> run(Graph<T>& graph, Var<T> x, const Var<T>* h0, const Var<T>* c0, std::source_location where);

  LstmOptions options_;
  std::vector<Var<T>> last_c_;  // each layer's final c, as last_h_; keeps its capacity
};

extern template class Lstm<float>;
extern template class Lstm<double>;

}  // namespace cgrad
