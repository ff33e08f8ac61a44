#pragma once
// What Lstm and Gru share: their parameters' construction and PyTorch's initialisation,
// and the shape checks of a sequence and of initial states, with messages that name the
// module and the shapes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/random.h"
#include "ops/shape/reshape.h"
#include "ops/shape/slice.h"

namespace cgrad::detail {

// U(-1/sqrt(hidden), 1/sqrt(hidden)) of `shape`: PyTorch's initialisation of every RNN weight and bias.
template <Real T>
Parameter<T> recurrent_parameter(std::string name, const Shape& shape, std::size_t hidden, Rng& rng) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  Tensor<T> value(shape);
  for (T& v : value.span()) v = static_cast<T>(rng.uniform(-bound, bound));
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

}  // namespace cgrad::detail
