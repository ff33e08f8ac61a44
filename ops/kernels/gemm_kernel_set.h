#pragma once
// The table of compute kernels one instruction set provides to the GEMM drivers. The
// drivers (blocking, packing, threading) are compiled once for the baseline ISA and call
// these through pointers; only the inner loops differ per ISA.
#include <cstddef>

#include "ops/kernels/gemm_dispatch.h"

namespace cgrad::detail {

// C(r, j) (=|+=) sum_p X(r, p) * Y(p, j) for r < rows, j < cols, p < depth, where Y's
// rows are contiguous (the vectorized dimension) and X is read one scalar at a time.
// C is addressed with general strides so the same kernel can write a transposed result.
// A bias (GEMM's, not with accumulate) is added after the sum: col_bias[j] to column j,
// or, for a transposed result, row_bias[r] to row r; at most one is set. With relu (not
// with accumulate) the ReLU of that result is stored.
// Gathered operands (a convolution's implicit GEMM, see gemm_gathered.h): when y_depths is
// set, x_rows and x_depths are too, and X(r, p) = x[x_rows[r] + x_depths[p]],
// Y(p, j) = y[y_depths[p] + j]; the strides x_row_stride, x_depth_stride and ldy are unused.
template <class T>
struct RowFormArgs {
  std::size_t rows, cols, depth;
  const T* x;
  std::size_t x_row_stride, x_depth_stride;
  const T* y;
  std::size_t ldy;
  T* c;
  std::size_t c_row_stride, c_col_stride;
  bool accumulate;
  const T* col_bias;
  const T* row_bias;
  bool relu;
  const std::size_t* x_rows = nullptr;
  const std::size_t* x_depths = nullptr;
  const std::size_t* y_depths = nullptr;
};

// C(i, j) (=|+=) sum_p A(i, p) * B(j, p): dot products vectorized along the depth, for
// products whose output has too few columns to fill a vector. A bias (not with
// accumulate) adds bias[j] to column j after the sum; relu (not with accumulate) stores
// the ReLU of the result.
template <class T>
struct DotFormArgs {
  std::size_t rows, cols, depth;
  const T* a;
  std::size_t lda;
  const T* b;
  std::size_t ldb;
  T* c;
  std::size_t ldc;
  bool accumulate;
  const T* bias;
  bool relu;
};

// A block of op(A) rows or op(B) columns [first, first + count) over the depth range
// [p0, p0 + depth), to be packed into panels panel_stride elements apart at out.
template <class T>
struct PackArgs {
  const T* src;
  std::size_t ld;
  bool transposed;
  std::size_t first, count, p0, depth, panel_stride;
  T* out;
};

template <class T>
struct GemmKernelSet {
  GemmIsa isa;
  std::size_t mr;     // rows of the register tile of the packed micro-kernel
  std::size_t nr;     // columns of that tile (a multiple of the vector length)
  std::size_t lanes;  // elements per vector register
  // One mr x nr tile of C from packed panels: a is kc x mr (mr contiguous per step), b is
  // kc x nr. With load_c the tile's old contents are added, otherwise overwritten; a bias
  // (nr values, or null) is added to each row last, and with relu the tile's ReLU stored.
  void (*micro)(std::size_t kc, const T* a, const T* b, T* c, std::size_t ldc, bool load_c, const T* bias,
                bool relu);
  // The same over the first nr / 2 columns of the panels only: for a last panel of B that
  // is at most half full (n = 72 with nr = 32 leaves 8), half the multiply-adds.
  void (*micro_half)(std::size_t kc, const T* a, const T* b, T* c, std::size_t ldc, bool load_c, const T* bias,
                     bool relu);
  void (*pack_a)(const PackArgs<T>& args);  // panels of mr rows of op(A)
  void (*pack_b)(const PackArgs<T>& args);  // panels of nr columns of op(B)
  void (*row_form)(const RowFormArgs<T>& args);
  void (*dot_form)(const DotFormArgs<T>& args);
  // dst (cols x rows, row-major) = the transpose of src (rows x cols, row stride ld): the
  // direct path's copy of a transposed operand.
  void (*transpose)(const T* src, std::size_t ld, std::size_t rows, std::size_t cols, T* dst);
};

template <class T>
const GemmKernelSet<T>& portable_gemm_kernels();
template <class T>
const GemmKernelSet<T>& avx2_gemm_kernels();
template <class T>
const GemmKernelSet<T>& avx512_gemm_kernels();

// The kernels for the ISA chosen by set_gemm_isa (or the CPU's best).
template <class T>
const GemmKernelSet<T>& active_gemm_kernels();

}  // namespace cgrad::detail
