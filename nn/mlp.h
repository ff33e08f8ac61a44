#pragma once
// Mlp<T>: Linear layers with ReLU between them (none after the last), e.g. sizes
// {2, 100, 3} is the seed's two-layer network. The layers are child modules "0", "1",
// ..., so parameters are named "0.weight", "0.bias", "1.weight", ...
//
// Unlike other modules an Mlp can be moved: its layers live in a deque that never
// relocates them (a deque's emplace_back and move keep elements in place), so parameter
// pointers held by an optimizer stay valid for the model's lifetime, across moves too.
#include <cstddef>
#include <deque>
#include <source_location>
#include <utility>
#include <vector>

#include "nn/linear.h"
#include "nn/module.h"
#include "nn/random.h"

namespace cgrad {

struct MlpOptions {
  // input, hidden..., output.
  MlpOptions(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)) {}  // NOLINT: implicit, as LibTorch's
  CGRAD_ARG(std::vector<std::size_t>, sizes);
};

template <Real T>
class Mlp : public UnaryModule<T> {
 public:
  // Each layer with Linear's PyTorch default initialisation, layer by layer from `rng`.
  // sizes: at least two, none 0; throws ValueError otherwise.
  Mlp(const MlpOptions& options, Rng& rng);
  // `init` fills each weight in turn; biases start at zero.
  Mlp(const std::vector<std::size_t>& sizes, const Init<T>& init);
  Mlp(Mlp&& other);
  Mlp& operator=(Mlp&& other);

  // Scores [rows, sizes.back()] for inputs [rows, sizes.front()].
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override;

  std::deque<Linear<T>>& layers() { return layers_; }

 private:
  void register_layers();
  // For the moves: this module drops its layers and takes over other's.
  void take_layers(Mlp& other);

  std::deque<Linear<T>> layers_;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace cgrad
