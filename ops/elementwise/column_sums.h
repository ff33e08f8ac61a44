#pragma once
// The bias gradient of AddBias and Affine: dy's column sums, rows in order, written or
// added into sums (one shared loop, so the two ops' gradients stay bit-identical).
#include <algorithm>
#include <cstddef>

namespace cgrad::detail {

template <class T>
void column_sums(const T* dy, std::size_t rows, std::size_t cols, T* sums, bool accumulate) {
  if (!accumulate) std::fill_n(sums, cols, T{0});
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = dy + r * cols;
    for (std::size_t c = 0; c < cols; ++c) sums[c] += row[c];
  }
}

}  // namespace cgrad::detail
