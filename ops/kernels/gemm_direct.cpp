// The direct GEMM path for products with a small dimension (k = 2, n = 3, m = 2, ...),
// where packing both operands would cost as much as the product. It picks one of three
// vectorizations by a rough cost count, copying at most a small operand:
//   along n (rows of C from rows of op(B)),
//   along m (the same kernel on C^T = op(B)^T op(A)^T, written through C's strides),
//   along k (dot products, for outputs too narrow to fill a vector).
// gemm_gathered (gemm_gathered.h) runs the same row-form tiles on operands read through
// offset tables, split over the same blocks.
#include <algorithm>
#include <cstddef>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "ops/kernels/gemm_gathered.h"
#include "ops/kernels/gemm_paths.h"

namespace cgrad::detail {
namespace {

enum class DirectForm { along_n, along_m, along_k };

std::size_t ceil_div(std::size_t x, std::size_t y) { return (x + y - 1) / y; }

// Vector multiply-adds, plus one per element copied; a dot product's horizontal sum
// counts as a few.
DirectForm choose_form(GemmShape s, bool ta, bool tb, std::size_t lanes) {
  const std::size_t along_n = s.m * ceil_div(s.n, lanes) * s.k + (tb ? s.k * s.n : 0);
  const std::size_t along_m =
      s.n * ceil_div(s.m, lanes) * s.k + (ta ? 0 : s.m * s.k) + s.m * s.n;
  const std::size_t along_k =
      s.m * s.n * (ceil_div(s.k, lanes) + 4) + (ta ? s.m * s.k : 0) + (tb ? 0 : s.n * s.k);
  if (along_n <= along_m && along_n <= along_k) return DirectForm::along_n;
  return along_m <= along_k ? DirectForm::along_m : DirectForm::along_k;
}

// Runs body(row0, row1, col0, col1) over a fixed grid of blocks of the kernel's output,
// in parallel for big products. Splitting columns too keeps both cores busy when the
// output has very few rows (m = 2 with long n and k).
constexpr std::size_t kRowBlock = 64, kColBlock = 256;

std::size_t block_count(std::size_t rows, std::size_t cols) {
  return ceil_div(rows, kRowBlock) * ceil_div(cols, kColBlock);
}

template <class Body>
void for_blocks(std::size_t rows, std::size_t cols, std::size_t work, const Body& body) {
  const std::size_t blocks = block_count(rows, cols), col_blocks = ceil_div(cols, kColBlock);
  if (work < kGemmParallelCutoff || blocks == 1) {
    body(std::size_t{0}, rows, std::size_t{0}, cols);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks, 1),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t b = range.begin(); b < range.end(); ++b) {
          const std::size_t r0 = b / col_blocks * kRowBlock, c0 = b % col_blocks * kColBlock;
          body(r0, std::min(rows, r0 + kRowBlock), c0, std::min(cols, c0 + kColBlock));
        }
      },
      tbb::simple_partitioner());
}

template <class T>
void run_along_n(GemmShape s, const GemmOperands<T>& op, const GemmKernelSet<T>& ks) {
  const std::size_t a_row = op.transpose_a ? 1 : op.lda, a_depth = op.transpose_a ? op.lda : 1;
  for_blocks(s.m, s.n, s.m * s.n * s.k, [&](std::size_t i0, std::size_t i1, std::size_t j0,
                                            std::size_t j1) {
    const T* y = op.b + j0;
    std::size_t ldy = op.ldb;
    if (op.transpose_b) {
      T* packed = thread_scratch_as<T>(ScratchSlot::direct_operand, s.k * (j1 - j0));
      ks.transpose(op.b + j0 * op.ldb, op.ldb, j1 - j0, s.k, packed);
      y = packed;
      ldy = j1 - j0;
    }
    ks.row_form({i1 - i0, j1 - j0, s.k, op.a + i0 * a_row, a_row, a_depth, y, ldy,
                 op.c + i0 * op.ldc + j0, op.ldc, 1, op.accumulate, op.bias ? op.bias + j0 : nullptr, nullptr,
                 op.relu});
  });
}

// C^T = op(B)^T op(A)^T: kernel rows are C's columns j, kernel columns are C's rows i.
template <class T>
void run_along_m(GemmShape s, const GemmOperands<T>& op, const GemmKernelSet<T>& ks) {
  const std::size_t b_row = op.transpose_b ? op.ldb : 1, b_depth = op.transpose_b ? 1 : op.ldb;
  for_blocks(s.n, s.m, s.m * s.n * s.k, [&](std::size_t j0, std::size_t j1, std::size_t i0,
                                            std::size_t i1) {
    const T* y = op.a + i0;
    std::size_t ldy = op.lda;
    if (!op.transpose_a) {
      T* packed = thread_scratch_as<T>(ScratchSlot::direct_operand, s.k * (i1 - i0));
      ks.transpose(op.a + i0 * op.lda, op.lda, i1 - i0, s.k, packed);
      y = packed;
      ldy = i1 - i0;
    }
    ks.row_form({j1 - j0, i1 - i0, s.k, op.b + j0 * b_row, b_row, b_depth, y, ldy,
                 op.c + i0 * op.ldc + j0, 1, op.ldc, op.accumulate, nullptr, op.bias ? op.bias + j0 : nullptr,
                 op.relu});
  });
}

template <class T>
void run_along_k(GemmShape s, const GemmOperands<T>& op, const GemmKernelSet<T>& ks) {
  for_blocks(s.m, s.n, s.m * s.n * s.k, [&](std::size_t i0, std::size_t i1, std::size_t j0,
                                            std::size_t j1) {
    const T* a = op.a + i0 * op.lda;
    std::size_t lda = op.lda;
    if (op.transpose_a) {
      T* packed = thread_scratch_as<T>(ScratchSlot::packed_a, (i1 - i0) * s.k);
      ks.transpose(op.a + i0, op.lda, s.k, i1 - i0, packed);
      a = packed;
      lda = s.k;
    }
    const T* b = op.b + j0 * op.ldb;
    std::size_t ldb = op.ldb;
    if (!op.transpose_b) {
      T* packed = thread_scratch_as<T>(ScratchSlot::packed_b, (j1 - j0) * s.k);
      ks.transpose(op.b + j0, op.ldb, s.k, j1 - j0, packed);
      b = packed;
      ldb = s.k;
    }
    ks.dot_form({i1 - i0, j1 - j0, s.k, a, lda, b, ldb, op.c + i0 * op.ldc + j0, op.ldc,
                 op.accumulate, op.bias ? op.bias + j0 : nullptr, op.relu});
  });
}

}  // namespace

template <class T>
bool direct_suits(GemmShape s, bool transpose_a, bool transpose_b, std::size_t lanes) {
  constexpr std::size_t kMaxRows = 256, kMaxInPlaceB = std::size_t{4} << 20, kMaxA = std::size_t{2} << 20;
  if (s.m > kMaxRows) return false;
  const DirectForm form = choose_form(s, transpose_a, transpose_b, lanes);
  // The along-m form runs on C^T: its kernel rows are C's columns (run_along_m).
  const bool one_block = form == DirectForm::along_m ? block_count(s.n, s.m) == 1 : block_count(s.m, s.n) == 1;
  if (one_block && s.m * s.n * s.k >= kGemmParallelCutoff) return false;
  if (!transpose_b && s.k * s.n * sizeof(T) > kMaxInPlaceB) return false;
  if (s.m * s.k * sizeof(T) > kMaxA) return false;
  return form == DirectForm::along_n || s.n <= kColBlock;
}

template <class T>
void gemm_direct(GemmShape s, const GemmOperands<T>& op, const GemmKernelSet<T>& ks) {
  switch (choose_form(s, op.transpose_a, op.transpose_b, ks.lanes)) {
    case DirectForm::along_n: return run_along_n(s, op, ks);
    case DirectForm::along_m: return run_along_m(s, op, ks);
    case DirectForm::along_k: return run_along_k(s, op, ks);
  }
}

template bool direct_suits<float>(GemmShape, bool, bool, std::size_t);
template bool direct_suits<double>(GemmShape, bool, bool, std::size_t);
template void gemm_direct<float>(GemmShape, const GemmOperands<float>&, const GemmKernelSet<float>&);
template void gemm_direct<double>(GemmShape, const GemmOperands<double>&,
                                  const GemmKernelSet<double>&);

}  // namespace cgrad::detail

namespace cgrad {

template <class T>
void gemm_gathered(const GatheredGemm<T>& g) {
  if (g.row_bias != nullptr && g.accumulate) throw std::invalid_argument("gemm_gathered: a bias is only for C = X * Y + bias");
  if (g.rows == 0 || g.cols == 0) return;
  const auto& ks = detail::active_gemm_kernels<T>();
  detail::for_blocks(g.rows, g.cols, g.rows * g.cols * g.depth,
                     [&](std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1) {
                       detail::RowFormArgs<T> args{i1 - i0, j1 - j0, g.depth, g.x, 0, 0, g.y + j0, 0,
                                                   g.c + i0 * g.ldc + j0, g.ldc, 1, g.accumulate, nullptr,
                                                   g.row_bias != nullptr ? g.row_bias + i0 : nullptr, false};
                       args.x_rows = g.x_rows + i0;
                       args.x_depths = g.x_depths;
                       args.y_depths = g.y_depths;
                       ks.row_form(args);
                     });
}

template void gemm_gathered<float>(const GatheredGemm<float>&);
template void gemm_gathered<double>(const GatheredGemm<double>&);

}  // namespace cgrad
