#pragma once
// Helpers shared by the test files: seeded random tensors and the seed's spiral data.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "graph/tensor.h"
#include "tests/support/spiral_data.h"

namespace cgrad::test {

// Uniform in [low, high), from a fixed seed.
template <Real T>
Tensor<T> uniform_tensor(const Shape& shape, std::uint64_t seed, double low = -1.0, double high = 1.0) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Tensor<T> t(shape);
  for (T& v : t.span()) v = static_cast<T>(uniform(engine));
  return t;
}

template <Real T>
Tensor<T> uniform_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed, double low = -1.0,
                         double high = 1.0) {
  return uniform_tensor<T>(Shape{rows, cols}, seed, low, high);
}

// scale * N(0,1), from a fixed seed.
template <Real T>
Tensor<T> normal_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, scale);
  Tensor<T> t(rows, cols);
  for (T& v : t.span()) v = static_cast<T>(normal(engine));
  return t;
}

// Values with magnitude in [min_magnitude, 1) and random signs: ReLU inputs kept away
// from the kink so central differences never straddle it.
template <Real T>
Tensor<T> away_from_zero_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed,
                                double min_magnitude = 0.1) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> magnitude(min_magnitude, 1.0);
  std::bernoulli_distribution negative(0.5);
  Tensor<T> t(rows, cols);
  for (T& v : t.span()) v = static_cast<T>(negative(engine) ? -magnitude(engine) : magnitude(engine));
  return t;
}

// Labels in [0, classes), from a fixed seed.
inline std::vector<std::int32_t> random_labels(std::size_t count, std::int32_t classes, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_int_distribution<std::int32_t> label(0, classes - 1);
  std::vector<std::int32_t> labels(count);
  for (auto& l : labels) l = label(engine);
  return labels;
}

// The seed's spiral (tests/support/spiral_data.h) as a plain feature matrix and labels.
struct Spiral {
  Tensor<double> x;
  std::vector<std::int32_t> labels;
};

inline Spiral spiral(std::size_t points = 100, std::int32_t classes = 3, std::uint64_t seed = 0) {
  const Dataset<double> data = cgrad::testing::spiral_dataset<double>(seed, points, classes);
  return {data.features(), data.labels()};
}

}  // namespace cgrad::test
