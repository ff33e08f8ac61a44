#pragma once
// The seed's two classifiers as one small network: nn/'s Mlp (affine layers with ReLU
// between them) plus the seed's loss and its random initialisation.
// {D, K} is the linear softmax classifier, {D, h, K} the two-layer network. Each layer's
// weights are s * randn(in, out) drawn in layer order and its bias starts at zero. With
// WeightInit::Seed, s = 0.01, exactly as the seed initialises them, so the random stream
// is consumed the same way; WeightInit::He (He et al. 2015) uses s = sqrt(2 / in), which
// lets the optimizers of optim/ train quickly at their default learning rates.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "cgrad.h"
#include "random_source.h"

namespace cgrad::spiral {

enum class WeightInit { Seed, He };
const char* weight_init_name(WeightInit init);  // "seed", "he"

template <Real T>
class Network {
 public:
  // layer_sizes = {inputs, hidden..., classes}; throws cgrad::ValueError if fewer than
  // two sizes are given or any size is 0.
  Network(std::span<const std::size_t> layer_sizes, RandomSource& rng, WeightInit init = WeightInit::Seed);

  // Class scores [m, classes] of points [m, inputs], recorded on g.
  Var<T> scores(Graph<T>& g, Var<T> points);
  // The seed's loss: mean softmax cross-entropy + sum over weight matrices of 0.5*reg*|W|^2.
  Var<T> loss(Graph<T>& g, Var<T> points, std::span<const std::int32_t> labels, T reg);
  // The most likely class of each point (the first, on ties, like np.argmax); records
  // nothing for backward.
  std::vector<std::int32_t> predict(Graph<T>& g, const Tensor<T>& points);

  // Weights then bias, layer by layer ("0.weight", "0.bias", ...); the addresses stay
  // valid for the Network's life.
  std::vector<Parameter<T>*> parameters() { return mlp_.parameters(); }

 private:
  Mlp<T> mlp_;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace cgrad::spiral
