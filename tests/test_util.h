#pragma once
// Helpers shared by the test files: seeded random tensors and the seed's spiral data.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "graph/tensor.h"

namespace cgrad::test {

// Uniform in [low, high), from a fixed seed.
template <Real T>
Tensor<T> uniform_tensor(std::size_t rows, std::size_t cols, std::uint64_t seed, double low = -1.0,
                         double high = 1.0) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Tensor<T> t(rows, cols);
  for (T& v : t.span()) v = static_cast<T>(uniform(engine));
  return t;
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

// The seed's spiral: `classes` arms of `points` 2-D points each, with N(0, 0.2) angle noise.
struct Spiral {
  Tensor<double> x;
  std::vector<std::int32_t> labels;
};

inline Spiral spiral(std::size_t points = 100, std::int32_t classes = 3, std::uint64_t seed = 0) {
  Spiral data{Tensor<double>(points * static_cast<std::size_t>(classes), 2), {}};
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> noise(0.0, 0.2);
  for (std::int32_t c = 0; c < classes; ++c) {
    for (std::size_t i = 0; i < points; ++i) {
      const double radius = static_cast<double>(i) / static_cast<double>(points - 1);
      const double angle = 4.0 * (c + radius) + noise(engine);
      const std::size_t row = data.labels.size();
      data.x(row, 0) = radius * std::sin(angle);
      data.x(row, 1) = radius * std::cos(angle);
      data.labels.push_back(c);
    }
  }
  return data;
}

}  // namespace cgrad::test
