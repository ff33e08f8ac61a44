#pragma once
// NumpyRandom: NumPy's legacy RandomState (what np.random.seed / np.random.randn use),
// reimplemented so that the spiral example can reproduce the seed document number for
// number. Only what the seed needs: seeding with a 32-bit integer, random_sample() and
// randn() (the polar method, which caches its second value exactly as NumPy does).
#include <cstdint>
#include <random>

namespace cgrad::spiral {

class NumpyRandom {
 public:
  // As np.random.seed(seed) for an integer seed: MT19937's init_genrand. std::mt19937
  // seeds with the very same recurrence, so it serves as the bit generator.
  explicit NumpyRandom(std::uint32_t seed) : engine_(seed) {}

  // np.random.random_sample(): a double in [0, 1) from 53 random bits of two draws.
  double random_sample();

  // np.random.randn(): a standard normal value. Draws come in pairs; the second of a pair
  // is kept for the next call, so the stream depends on calls and order, as in NumPy.
  double randn();

 private:
  std::mt19937 engine_;
  double gauss_ = 0.0;
  bool has_gauss_ = false;
};

}  // namespace cgrad::spiral
