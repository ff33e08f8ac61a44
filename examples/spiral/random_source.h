#pragma once
// RandomSource: where the spiral example draws its normal variates from, chosen on the
// command line (--rng std|numpy). A variant rather than a virtual base: two fixed
// alternatives, no heap, and the whole run draws from one stream in a fixed order.
#include <cstdint>
#include <random>
#include <string_view>
#include <variant>

#include "graph/tensor.h"
#include "numpy_random.h"

namespace cgrad::spiral {

enum class RngKind { Std, Numpy };

// "std" or "numpy"; throws cgrad::ValueError for anything else.
RngKind parse_rng_kind(std::string_view name);
std::string_view rng_kind_name(RngKind kind);

class RandomSource {
 public:
  RandomSource(RngKind kind, std::uint32_t seed);

  // One standard normal value.
  double normal();

 private:
  // The standard library's generator: std::normal_distribution caches a value too, so
  // it lives beside its engine.
  struct StdRandom {
    std::mt19937_64 engine;
    std::normal_distribution<double> normal;
  };
  std::variant<StdRandom, NumpyRandom> generator_;
};

// A rows x cols tensor of scale * normal(), filled row-major as NumPy fills
// `scale * np.random.randn(rows, cols)`; values are drawn in double and then rounded to T,
// so f32 and f64 runs see the same stream.
template <Real T>
Tensor<T> normal_tensor(std::size_t rows, std::size_t cols, double scale, RandomSource& rng) {
  Tensor<T> t(rows, cols);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<T>(scale * rng.normal());
  return t;
}

}  // namespace cgrad::spiral
