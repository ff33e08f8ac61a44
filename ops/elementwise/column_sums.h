#pragma once
// The bias gradients of AddBias, Affine, LstmCell and GruCell: out (= or +=) the sum over
// the rows of a [rows, cols] matrix with row stride ld, in row order for every column (no
// dependence on the thread count). One loop for all four, so AddBias and Affine, which
// compute the same gradient, stay bit-identical (and AffineReLU with ReLU then Affine).
#include <cstddef>

#include "graph/graph.h"

namespace cgrad::detail {

// The rows come from row_at(r), a pointer to row r's cols values; AffineReLU's makes each
// row (its ReLU's gradient) just before it is added.
template <Real T, class RowAt>
void write_column_sums_of_rows(GradOut<T> out, std::size_t rows, std::size_t cols, const RowAt& row_at) {
  T* grad = out.tensor->data();
  if (!out.accumulate) {
    for (std::size_t j = 0; j < cols; ++j) grad[j] = T{0};
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = row_at(r);
    for (std::size_t j = 0; j < cols; ++j) grad[j] += row[j];
  }
}

template <Real T>
void write_column_sums(GradOut<T> out, const T* matrix, std::size_t rows, std::size_t cols, std::size_t ld) {
  write_column_sums_of_rows(out, rows, cols, [&](std::size_t r) { return matrix + r * ld; });
}

}  // namespace cgrad::detail
