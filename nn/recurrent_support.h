#pragma once
// What Lstm and Gru share: their options, the stack of layers with its parameters
// (construction, names and PyTorch's initialisation), the per-forward buffers, and the
// shape checks of a sequence and of initial states, with messages that name the module
// and the shapes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/init.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"
#include "ops/shape/reshape.h"
#include "ops/shape/slice.h"

namespace cgrad::detail {

// U(-1/sqrt(hidden), 1/sqrt(hidden)) of `shape`: PyTorch's initialisation of every RNN weight and bias.
template <Real T>
Parameter<T> recurrent_parameter(std::string name, const Shape& shape, std::size_t hidden, Rng& rng) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  Tensor<T> value(shape);
  uniform<T>(rng, -bound, bound)(value);
  return Parameter<T>(std::move(name), std::move(value));
}

inline void check_recurrent_sizes(std::string_view module, std::size_t input, std::size_t hidden,
                                  std::size_t layers) {
  if (input == 0 || hidden == 0 || layers == 0)
    throw ValueError(fmt::format("{}: input_size {}, hidden_size {} and num_layers {} must all be > 0", module,
                                 input, hidden, layers));
}

// x must be [T,N,I] with T >= 1 and I = input_size.
inline void check_sequence(std::string_view module, const Shape& x, std::size_t input) {
  if (x.rank() != 3 || x[2] != input || x[0] == 0)
    throw ShapeError(fmt::format("{}: expected input [T,N,{}] (sequence first, T >= 1), got {}", module, input, x));
}

// An initial state must be [L,N,H] with N the batch of x.
inline void check_state(std::string_view module, std::string_view name, const Shape& state, std::size_t layers,
                        std::size_t batch, std::size_t hidden, const Shape& x) {
  if (state != Shape{layers, batch, hidden})
    throw ShapeError(fmt::format("{}: expected {} [num_layers,N,hidden_size] = [{},{},{}] for input {}, got {}", module,
                                 name, layers, batch, hidden, x, state));
}

// Element t of axis 0 of v, without that axis: [T,N,K] -> [N,K].
template <Real T>
Var<T> step_of(Var<T> v, std::size_t t, std::source_location where) {
  const auto i = static_cast<std::int64_t>(t);
  return squeeze(slice(v, 0, i, i + 1, 1, where), 0, where);
}

// The options of Lstm and Gru, as LibTorch's RNNOptionsBase: LstmOptions and GruOptions
// are this with the module's name, so `LstmOptions(3, 5).num_layers(2)` keeps its type.
template <class Tag>
struct RecurrentOptions {
  RecurrentOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  CGRAD_ARG(std::size_t, input_size);
  CGRAD_ARG(std::size_t, hidden_size);
  CGRAD_ARG(std::size_t, num_layers) = 1;
};

// One layer's parameters, named as PyTorch's.
template <Real T>
struct RecurrentLayer {
  Parameter<T> weight_ih, weight_hh, bias_ih, bias_hh;
};

// What Lstm and Gru share besides the cell: a stack of num_layers layers of `gates`·H
// columns each, and the buffers a forward fills.
template <Real T>
class RecurrentModule : public Module<T> {
 public:
  using Layer = RecurrentLayer<T>;
  Layer& layer(std::size_t k) { return layers_[k]; }

 protected:
  // Throws ValueError when a size or the number of layers is 0.
  RecurrentModule(std::string_view module, std::size_t input, std::size_t hidden, std::size_t layers,
                  std::size_t gates, Rng& rng)
      : module_(module), input_(input), hidden_(hidden), num_layers_(layers) {
    check_recurrent_sizes(module, input, hidden, layers);
    layers_ = std::make_unique<Layer[]>(layers);
    const std::size_t width = gates * hidden;
    for (std::size_t k = 0; k < layers; ++k) {
      const std::size_t in = k == 0 ? input : hidden;
      Layer& layer = layers_[k];
      // PyTorch's order of initialisation: weight_ih, weight_hh, bias_ih, bias_hh per layer.
      layer.weight_ih = recurrent_parameter<T>(fmt::format("weight_ih_l{}", k), Shape{in, width}, hidden, rng);
      layer.weight_hh = recurrent_parameter<T>(fmt::format("weight_hh_l{}", k), Shape{hidden, width}, hidden, rng);
      layer.bias_ih = recurrent_parameter<T>(fmt::format("bias_ih_l{}", k), Shape{width}, hidden, rng);
      layer.bias_hh = recurrent_parameter<T>(fmt::format("bias_hh_l{}", k), Shape{width}, hidden, rng);
      for (Parameter<T>* p : {&layer.weight_ih, &layer.weight_hh, &layer.bias_ih, &layer.bias_hh}) {
        p->zero_grad();
        this->register_parameter(p->name(), *p);
      }
    }
  }

  // Checks x [T,N,I] and the given initial states ({name, state}, nullptr for "not given":
  // all or none are), then readies a forward: steps_ holds x's steps (the first layer's
  // inputs), last_h_ is empty, and zeros_ is [N,H] of zeros when no state is given.
  void begin_forward(Var<T> x, std::initializer_list<std::pair<std::string_view, const Var<T>*>> states,
                     std::source_location where) {
    const Shape& shape = x.shape();
    check_sequence(module_, shape, input_);
    const std::size_t steps = shape[0], batch = shape[1];
    bool given = false;
    for (const auto& [name, state] : states) {
      if (state == nullptr) continue;
      check_state(module_, name, state->shape(), num_layers_, batch, hidden_, shape);
      given = true;
    }
    if (!given) {
      zeros_.resize(Shape{batch, hidden_});
      zeros_.fill(T{0});
    }
    steps_.clear();
    last_h_.clear();
    for (std::size_t t = 0; t < steps; ++t) steps_.push_back(step_of(x, t, where));
  }

  // Layer k's initial state: element k of `state`, or zeros_ when no state was given.
  Var<T> initial_state(Graph<T>& graph, const Var<T>* state, std::size_t k, std::source_location where) {
    return state != nullptr ? step_of(*state, k, where) : graph.input(zeros_, where);
  }

  // Layer k's parameters recorded in `graph`.
  struct LayerVars {
    Var<T> w_ih, w_hh, b_ih, b_hh;
  };
  LayerVars layer_vars(Graph<T>& graph, std::size_t k, std::source_location where) {
    Layer& layer = layers_[k];
    return {graph.param(layer.weight_ih, where), graph.param(layer.weight_hh, where),
            graph.param(layer.bias_ih, where), graph.param(layer.bias_hh, where)};
  }

  std::size_t num_layers() const { return num_layers_; }

  // Per forward: the current layer's outputs (its steps), and each layer's final h. They
  // keep their capacity, so a steady step allocates nothing.
  std::vector<Var<T>> steps_, last_h_;

 private:
  std::string_view module_;  // "Lstm" or "Gru": a literal
  std::size_t input_, hidden_, num_layers_;
  std::unique_ptr<Layer[]> layers_;  // never moves: the parameters are registered by reference
  Tensor<T> zeros_;
};

}  // namespace cgrad::detail
