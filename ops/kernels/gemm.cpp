// Reference GEMM: a row-by-row loop that vectorizes along n, parallelized with oneTBB over
// fixed blocks of C's rows. Correct for every transpose combination; the packed,
// register-blocked kernel replaces its inner loops.
#include "ops/kernels/gemm.h"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace cgrad {
namespace {

// Below this many multiply-adds a task costs more than it saves.
constexpr std::size_t kParallelCutoff = 1u << 18;
constexpr std::size_t kRowBlock = 32;

template <class T>
void gemm_rows(GemmShape s, const GemmOperands<T>& op, std::size_t row_begin, std::size_t row_end) {
  for (std::size_t i = row_begin; i < row_end; ++i) {
    T* c = op.c + i * op.ldc;
    if (!op.accumulate) std::fill_n(c, s.n, T{0});
    for (std::size_t p = 0; p < s.k; ++p) {
      const T a_ip = op.transpose_a ? op.a[p * op.lda + i] : op.a[i * op.lda + p];
      if (op.transpose_b) {
        for (std::size_t j = 0; j < s.n; ++j) c[j] += a_ip * op.b[j * op.ldb + p];
      } else {
        const T* b = op.b + p * op.ldb;
        for (std::size_t j = 0; j < s.n; ++j) c[j] += a_ip * b[j];
      }
    }
  }
}

}  // namespace

template <class T>
void gemm(GemmShape s, const GemmOperands<T>& op) {
  if (s.m == 0 || s.n == 0) return;
  if (s.m * s.n * s.k < kParallelCutoff) {
    gemm_rows(s, op, 0, s.m);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, s.m, kRowBlock),
      [&](const tbb::blocked_range<std::size_t>& rows) { gemm_rows(s, op, rows.begin(), rows.end()); },
      tbb::simple_partitioner());
}

template void gemm<float>(GemmShape, const GemmOperands<float>&);
template void gemm<double>(GemmShape, const GemmOperands<double>&);

}  // namespace cgrad
