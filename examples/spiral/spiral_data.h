#pragma once
// The seed's spiral dataset: K classes of N points each, class j a noisy arm of a spiral.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/tensor.h"
#include "random_source.h"

namespace cgrad::spiral {

template <Real T>
struct SpiralData {
  Tensor<T> features;                // [N*K, 2]: (r sin t, r cos t)
  std::vector<std::int32_t> labels;  // N*K class indices, class j in rows [N*j, N*(j+1))
  std::size_t classes = 0;
};

// np.linspace(start, stop, num): start + i*step, with the last point set to stop exactly
// (so that results agree with NumPy bit for bit); num == 1 gives {start}.
std::vector<double> linspace(double start, double stop, std::size_t num);

// The seed's recipe, drawing N normal values per class from rng in class order:
//   r = linspace(0, 1, N),  t = linspace(4j, 4(j+1), N) + 0.2 * randn(N).
// Computed in double and rounded to T. Throws cgrad::ValueError for N < 1 or K < 1.
template <Real T>
SpiralData<T> make_spiral(std::size_t points_per_class, std::size_t classes, RandomSource& rng);

extern template SpiralData<float> make_spiral<float>(std::size_t, std::size_t, RandomSource&);
extern template SpiralData<double> make_spiral<double>(std::size_t, std::size_t, RandomSource&);

}  // namespace cgrad::spiral
