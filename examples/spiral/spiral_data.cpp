#include "spiral_data.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::spiral {

std::vector<double> linspace(double start, double stop, std::size_t num) {
  std::vector<double> values(num);
  if (num == 0) return values;
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  for (std::size_t i = 0; i < num; ++i) values[i] = start + static_cast<double>(i) * step;
  if (num > 1) values.back() = stop;
  return values;
}

template <Real T>
SpiralData<T> make_spiral(std::size_t points_per_class, std::size_t classes, RandomSource& rng) {
  if (points_per_class < 1)
    throw ValueError(fmt::format("spiral data: points per class must be at least 1, got {}",
                                 points_per_class));
  if (classes < 1)
    throw ValueError(fmt::format("spiral data: classes must be at least 1, got {}", classes));
  // Labels are int32 and the tensor is indexed by size_t: refuse sizes that overflow either.
  constexpr auto kMaxLabel = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
  if (classes > kMaxLabel || points_per_class > std::numeric_limits<std::size_t>::max() / 2 / classes)
    throw ValueError(fmt::format("spiral data: {} points x {} classes is too large",
                                 points_per_class, classes));

  const std::size_t n = points_per_class;
  SpiralData<T> data{Tensor<T>(n * classes, 2), std::vector<std::int32_t>(n * classes), classes};
  const std::vector<double> radius = linspace(0.0, 1.0, n);
  for (std::size_t j = 0; j < classes; ++j) {
    const auto first_angle = 4.0 * static_cast<double>(j);
    const std::vector<double> angle = linspace(first_angle, first_angle + 4.0, n);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = angle[i] + rng.normal() * 0.2;
      const std::size_t row = n * j + i;
      data.features(row, 0) = static_cast<T>(radius[i] * std::sin(t));
      data.features(row, 1) = static_cast<T>(radius[i] * std::cos(t));
      data.labels[row] = static_cast<std::int32_t>(j);
    }
  }
  return data;
}

template SpiralData<float> make_spiral<float>(std::size_t, std::size_t, RandomSource&);
template SpiralData<double> make_spiral<double>(std::size_t, std::size_t, RandomSource&);

}  // namespace cgrad::spiral
