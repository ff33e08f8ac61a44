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

}  // namespace cgrad::spiral
