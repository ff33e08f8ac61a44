#pragma once
// Mlp<T>: Linear layers with ReLU between them (none after the last), e.g. sizes
// {2, 100, 3} is the seed's two-layer network. Parameters are named "<layer>.weight"
// and "<layer>.bias" ("0.weight", "0.bias", "1.weight", ...).
//
// The layers live in one vector that is never resized, so parameter pointers stay valid
// for the model's lifetime, also across a move of the Mlp itself.
#include <cstddef>
#include <source_location>
#include <vector>

#include "nn/linear.h"

namespace cgrad {

template <Real T>
class Mlp {
 public:
  // sizes: input, hidden..., output (at least two, none 0); throws ValueError otherwise.
  // `init` fills each weight in turn.
  Mlp(const std::vector<std::size_t>& sizes, const Init<T>& init);
  Mlp(Mlp&&) noexcept = default;
  Mlp& operator=(Mlp&&) noexcept = default;
  Mlp(const Mlp&) = delete;  // a copy would silently train apart from its optimizer
  Mlp& operator=(const Mlp&) = delete;

  // Scores [rows, sizes.back()] for inputs [rows, sizes.front()].
  // `where` defaults to the caller's line: the ops this records report it in anomaly mode.
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());

  std::vector<Linear<T>>& layers() { return layers_; }
  std::vector<Parameter<T>*> parameters();
  std::vector<NamedParameter<T>> named_parameters();

 private:
  std::vector<Linear<T>> layers_;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace cgrad
