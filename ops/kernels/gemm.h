#pragma once
// The one matrix-product kernel behind MatMul's forward and both backward products.
//
//   C[m x n] (= or +=) op(A)[m x k] * op(B)[k x n]
//
// All matrices are row-major with leading dimensions (row strides) lda, ldb, ldc.
// op(A) is A, stored m x k, or with transpose_a the transpose of A, stored k x m;
// likewise for B. With accumulate the product is added to C, otherwise C is overwritten
// (C's old contents are never read, so it may hold garbage). With a bias (n values, not
// with accumulate) C = op(A) * op(B) + bias, the bias added to each row once its product
// is complete: the same bits as the product and a separate addition, without the pass.
// With relu (not with accumulate) each element of that result x is stored as x < 0 ? 0 : x
// (NaN and -0 kept), the ReLU applied in the same store: Affine's fused activation
// (ops/linalg/affine.h), like cuBLASLt's RELU_BIAS epilogue or oneDNN's eltwise post-op.
//
// Each element of C is computed by exactly one task in a fixed order of k, so the result
// is bit-for-bit the same for any number of threads.
#include <cstddef>

namespace cgrad {

struct GemmShape {
  std::size_t m = 0;
  std::size_t n = 0;
  std::size_t k = 0;
};

template <class T>
struct GemmOperands {
  const T* a = nullptr;
  std::size_t lda = 0;
  bool transpose_a = false;
  const T* b = nullptr;
  std::size_t ldb = 0;
  bool transpose_b = false;
  T* c = nullptr;
  std::size_t ldc = 0;
  bool accumulate = false;
  const T* bias = nullptr;
  bool relu = false;
};

template <class T>
void gemm(GemmShape shape, const GemmOperands<T>& operands);

extern template void gemm<float>(GemmShape, const GemmOperands<float>&);
extern template void gemm<double>(GemmShape, const GemmOperands<double>&);

}  // namespace cgrad
