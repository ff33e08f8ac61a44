#pragma once
// The bias gradients of AddBias, Affine, AffineReLU, LstmCell and GruCell: out (= or +=) the sum over
// the rows of a [rows, cols] matrix with row stride ld, in row order for every column (no
// dependence on the thread count). One loop for all of them, so AddBias and Affine, which
// compute the same gradient, stay bit-identical.
#include <cstddef>

#include "graph/graph.h"

namespace cgrad::detail {

template <Real T>
void write_column_sums(GradOut<T> out, const T* matrix, std::size_t rows, std::size_t cols, std::size_t ld) {
  T* grad = out.tensor->data();
  if (!out.accumulate) {
    for (std::size_t j = 0; j < cols; ++j) grad[j] = T{0};
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = matrix + r * ld;
    for (std::size_t j = 0; j < cols; ++j) grad[j] += row[j];
  }
}

}  // namespace cgrad::detail
