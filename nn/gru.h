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
#include <cstddef>
#include <memory>
#include <source_location>
#include <vector>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/module.h"
#include "nn/random.h"

namespace cgrad {

struct GruOptions {
  GruOptions(std::size_t input_size, std::size_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  GruOptions& num_layers(std::size_t layers) {
    num_layers_ = layers;
    return *this;
  }
  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  std::size_t num_layers() const { return num_layers_; }

 private:
  std::size_t input_size_;
  std::size_t hidden_size_;
  std::size_t num_layers_ = 1;
};

template <Real T>
struct GruOutput {
  Var<T> output;  // [T,N,H]: the top layer's h at every step
  Var<T> h;       // [L,N,H]: every layer's last h
};

template <Real T>
class Gru : public Module<T> {
 public:
  // Throws ValueError when a size or the number of layers is 0.
  Gru(const GruOptions& options, Rng& rng);

  GruOutput<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());
  GruOutput<T> forward(Graph<T>& graph, Var<T> x, Var<T> h0,
                       std::source_location where = std::source_location::current());

  const GruOptions& options() const { return options_; }

  struct Layer {
    Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;
  };
  Layer& layer(std::size_t k) { return layers_[k]; }

 private:
  GruOutput<T> run(Graph<T>& graph, Var<T> x, const Var<T>* h0, std::source_location where);

  GruOptions options_;
  std::unique_ptr<Layer[]> layers_;  // never moves: the parameters are registered by reference
  std::vector<Var<T>> steps_, last_h_;  // keep their capacity: a steady step allocates nothing
  Tensor<T> zeros_;
};

extern template class Gru<float>;
extern template class Gru<double>;

}  // namespace cgrad
