#pragma once
// The seed's spiral in any precision, from cgrad::Rng so the points are the same on every
// standard library: for class j, r = linspace(0, 1, N), t = linspace(4j, 4(j+1), N) +
// 0.2·randn, x = (r·sin t, r·cos t).
#include <cmath>
#include <cstdint>
#include <vector>

#include "nn/dataset.h"
#include "nn/random.h"

namespace cgrad::testing {

template <Real T>
Dataset<T> spiral_dataset(std::uint64_t seed, std::size_t points = 100, std::int32_t classes = 3) {
  Tensor<T> x(points * static_cast<std::size_t>(classes), 2);
  std::vector<std::int32_t> labels;
  Rng rng(seed);
  for (std::int32_t j = 0; j < classes; ++j) {
    for (std::size_t i = 0; i < points; ++i) {
      const double step = static_cast<double>(i) / static_cast<double>(points - 1);
      const double angle = 4.0 * (j + step) + 0.2 * rng.normal();
      x(labels.size(), 0) = static_cast<T>(step * std::sin(angle));
      x(labels.size(), 1) = static_cast<T>(step * std::cos(angle));
      labels.push_back(j);
    }
  }
  return Dataset<T>(std::move(x), std::move(labels));
}

}  // namespace cgrad::testing
