#pragma once
// Weight initialisation for layers. A layer takes an Init: a fill function given the
// weight tensor [fan_in, fan_out] to overwrite. he() and xavier() are the usual ones;
// any callable works, so a caller can supply its own generator (the seed's
// 0.01·N(0,1), a constant for a test, ...). The functions below keep a reference to
// the Rng they draw from, which must outlive them.
#include <cmath>
#include <functional>

#include "graph/tensor.h"
#include "nn/random.h"

namespace cgrad {

template <Real T>
using Init = std::function<void(Tensor<T>& weight)>;

// He et al. 2015, for ReLU layers: N(0, 2 / fan_in).
template <Real T>
Init<T> he(Rng& rng) {
  return [&rng](Tensor<T>& w) {
    const double stddev = std::sqrt(2.0 / static_cast<double>(w.rows()));
    for (T& v : w.span()) v = static_cast<T>(rng.normal(0, stddev));
  };
}

// Glorot & Bengio 2010 (uniform): U(−a, a) with a = √(6 / (fan_in + fan_out)).
template <Real T>
Init<T> xavier(Rng& rng) {
  return [&rng](Tensor<T>& w) {
    const double bound = std::sqrt(6.0 / static_cast<double>(w.rows() + w.cols()));
    for (T& v : w.span()) v = static_cast<T>(rng.uniform(-bound, bound));
  };
}

// stddev · N(0, 1): the seed's 0.01·randn.
template <Real T>
Init<T> normal(Rng& rng, double stddev) {
  return [&rng, stddev](Tensor<T>& w) {
    for (T& v : w.span()) v = static_cast<T>(rng.normal(0, stddev));
  };
}

}  // namespace cgrad
