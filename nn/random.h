#pragma once
// Rng: the random numbers of nn/ (initialisation, shuffling). std::mt19937_64 is specified
// bit for bit by the standard, but std::shuffle and the std:: distributions are not, so
// the same seed would give different models on libstdc++ and libc++. The conversions
// from raw 64-bit words to numbers are therefore our own.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numbers>
#include <random>
#include <utility>

namespace cgrad {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }

  // Uniform in [0, 1), from the top 53 bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Uniform in [0, n) without modulo bias (rejection); n > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // a multiple of n
    std::uint64_t x;
    do x = engine_();
    while (x >= limit);
    return x % n;
  }

  // Standard normal, by Box–Muller (both values of a pair are used).
  // Fisher–Yates: every permutation equally likely, and the same one for a seed everywhere.
  template <class Items>
  void shuffle(Items& items) {
    for (std::size_t i = std::size(items); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(2 * std::numbers::pi * u2);
    has_spare_ = true;
    return radius * std::cos(2 * std::numbers::pi * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace cgrad
