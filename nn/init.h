#pragma once
// Weight initialisation for layers. A layer takes an Init: a fill function given the
// weight tensor to overwrite. he() and xavier() are the usual ones (for Linear's
// [fan_in, fan_out] weights); kaiming_uniform() and xavier_uniform() are PyTorch's, with
// fans read by fans_of(); any callable works, so a caller can supply its own generator
// (the seed's 0.01·N(0,1), a constant for a test, ...). The functions below keep a
// reference to the Rng they draw from, which must outlive them. Values are drawn in
// row-major order, one draw per element.
#include <cmath>
#include <cstddef>
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

// Fan-in and fan-out of a weight as nn/ lays weights out. Rank 2 is Linear's [in, out]
// (y = x·W, the transpose of PyTorch's [out, in]). Rank >= 3 is a convolution's
// [out, in / groups, k...], as PyTorch's: fan_in = in·∏k, fan_out = out·∏k. Rank 0 and 1
// (a bias) have no fans: both are the element count.
struct Fans {
  std::size_t in = 0;
  std::size_t out = 0;
};

inline Fans fans_of(const Shape& shape) {
  if (shape.rank() < 2) return {shape.size(), shape.size()};
  if (shape.rank() == 2) return {shape[0], shape[1]};
  const std::size_t receptive_field = shape.size() / (shape[0] * shape[1]);  // ∏k; the shape has no 0 here
  return {shape[1] * receptive_field, shape[0] * receptive_field};
}

// U(low, high).
template <Real T>
Init<T> uniform(Rng& rng, double low, double high) {
  return [&rng, low, high](Tensor<T>& w) {
    for (T& v : w.span()) v = static_cast<T>(rng.uniform(low, high));
  };
}

// He et al. 2015, uniform, as torch.nn.init.kaiming_uniform_(mode="fan_in",
// nonlinearity="leaky_relu"): U(−b, b) with b = √(6 / ((1 + a²)·fan_in)). a = 0 suits
// ReLU; a = √5 gives b = 1/√fan_in, PyTorch's default for Linear and Conv2d weights.
template <Real T>
Init<T> kaiming_uniform(Rng& rng, double a = 0) {
  return [&rng, a](Tensor<T>& w) {
    if (w.size() == 0) return;
    const double bound = std::sqrt(6.0 / ((1 + a * a) * static_cast<double>(fans_of(w.shape()).in)));
    for (T& v : w.span()) v = static_cast<T>(rng.uniform(-bound, bound));
  };
}

// Glorot & Bengio 2010, as torch.nn.init.xavier_uniform_: U(−b, b) with
// b = gain·√(6 / (fan_in + fan_out)). For Linear's weights it equals xavier() at gain 1.
template <Real T>
Init<T> xavier_uniform(Rng& rng, double gain = 1) {
  return [&rng, gain](Tensor<T>& w) {
    if (w.size() == 0) return;
    const Fans fans = fans_of(w.shape());
    const double bound = gain * std::sqrt(6.0 / static_cast<double>(fans.in + fans.out));
    for (T& v : w.span()) v = static_cast<T>(rng.uniform(-bound, bound));
  };
}

// Constants: zeros for biases, ones for a norm's scale; they draw nothing.
template <Real T>
Init<T> zeros() {
  return [](Tensor<T>& w) { w.fill(T{0}); };
}

template <Real T>
Init<T> ones() {
  return [](Tensor<T>& w) { w.fill(T{1}); };
}

}  // namespace cgrad
