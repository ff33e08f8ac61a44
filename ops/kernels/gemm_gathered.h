#pragma once
// A matrix product whose operands are read through offset tables instead of row strides:
//
//   C(r, j) (=|+=) sum_p x[x_rows[r] + x_depths[p]] * y[y_depths[p] + j]  (+ row_bias[r])
//
// for r < rows, j < cols, p < depth, C row-major with row stride ldc. It is the implicit
// GEMM of a stride-1 convolution (ops/nn/conv2d.cpp): the rows of its column matrix are
// the zero-padded input planes read at one shift per kernel tap, so the tables address
// them in place and no column matrix is built. It runs the direct path's row-form tiles
// (gemm_tiles.h), each element one multiply-add chain over p in increasing order: the
// bits of gemm's row form on the same values laid out as matrices (test_gemm checks
// them), for any thread count. Large products are split over fixed blocks of C and run
// in parallel, as gemm's are.
#include <cstddef>

namespace cgrad {

template <class T>
struct GatheredGemm {
  std::size_t rows = 0, cols = 0, depth = 0;
  const T* x = nullptr;
  const std::size_t* x_rows = nullptr;    // rows entries
  const std::size_t* x_depths = nullptr;  // depth entries
  const T* y = nullptr;
  const std::size_t* y_depths = nullptr;  // depth entries; each row of y holds cols values
  T* c = nullptr;
  std::size_t ldc = 0;
  bool accumulate = false;
  const T* row_bias = nullptr;  // rows values, or null; not with accumulate
};

template <class T>
void gemm_gathered(const GatheredGemm<T>& product);

extern template void gemm_gathered<float>(const GatheredGemm<float>&);
extern template void gemm_gathered<double>(const GatheredGemm<double>&);

}  // namespace cgrad
