// The packed GEMM path: C is cut into a grid of tiles, each tile one task. Each element
// is the same chain over the depth whichever tile holds it, so the grid may follow the
// thread count (one tile per product on one thread: B is packed once) without changing
// a bit of the result. A task walks the depth in kc blocks:
// it packs its kc x cols slice of op(B) and its rows x kc slice of op(A), then runs the
// micro-kernel over the tile with each nr-wide panel of B held in L1 while the mr-row
// panels of A stream from L2.
#include <algorithm>
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "ops/kernels/gemm_paths.h"

namespace cgrad::detail {
namespace {

std::size_t round_up(std::size_t x, std::size_t step) { return (x + step - 1) / step * step; }
std::size_t ceil_div(std::size_t x, std::size_t y) { return (x + y - 1) / y; }

// Cache blocking, in bytes so one rule serves float and double (and both ISAs' tiles).
//  - kc: one kc x nr panel of packed B stays in L1 while the micro-kernel sweeps every
//    mr-row panel of A against it; 24 KiB leaves room in a 32 KiB L1d for the A panel
//    streaming past and the C tile.
//  - mc: an mc x kc block of packed A (384 KiB) stays in the 1 MiB L2 across all B
//    panels of the tile.
//  - tile rows (up to 4 mc): the tile's packed kc x cols block of B (768 KiB at 1024
//    columns, in L3) serves every mc block of the tile, so B is read from memory once
//    per tile, not once per mc rows.
//  - tile cols: wide tiles repack A less often.
struct Blocking {
  std::size_t kc, mc, max_rows, max_cols;
};

template <class T>
Blocking blocking_for(const GemmKernelSet<T>& ks) {
  constexpr std::size_t kBPanelBytes = 24 * 1024, kABlockBytes = 384 * 1024, kMaxCols = 1024;
  const std::size_t kc = std::max<std::size_t>(16, kBPanelBytes / (ks.nr * sizeof(T)));
  const std::size_t mc = std::max(ks.mr, kABlockBytes / (kc * sizeof(T)) / ks.mr * ks.mr);
  return {kc, mc, 4 * mc, round_up(kMaxCols, ks.nr)};
}

// Splits `extent` into near-equal parts of at most `max_part`, each a multiple of `step`.
std::size_t part_size(std::size_t extent, std::size_t max_part, std::size_t step) {
  const std::size_t parts = ceil_div(extent, max_part);
  return round_up(ceil_div(extent, parts), step);
}

template <class T>
struct PackedTask {
  GemmShape shape;
  const GemmOperands<T>& op;
  const GemmKernelSet<T>& ks;
  std::size_t kc, mc;

  void run(std::size_t row0, std::size_t rows, std::size_t col0, std::size_t cols) const {
    const std::size_t mr = ks.mr, nr = ks.nr;
    // One cache line between panels; pack_a's whole-vector stores may run into it.
    constexpr std::size_t kSkew = 64 / sizeof(T);
    T* packed_a = thread_scratch_as<T>(
        ScratchSlot::packed_a, round_up(std::min(rows, mc), mr) / mr * (mr * kc + kSkew));
    T* packed_b = thread_scratch_as<T>(ScratchSlot::packed_b,
                                       round_up(cols, nr) / nr * (nr * kc + kSkew));
    for (std::size_t p0 = 0; p0 < shape.k; p0 += kc) {
      const std::size_t depth = std::min(kc, shape.k - p0);
      const std::size_t a_stride = mr * depth + kSkew, b_stride = nr * depth + kSkew;
      ks.pack_b({op.b, op.ldb, op.transpose_b, col0, cols, p0, depth, b_stride, packed_b});
      for (std::size_t i0 = 0; i0 < rows; i0 += mc) {
        const std::size_t block_rows = std::min(mc, rows - i0);
        ks.pack_a({op.a, op.lda, op.transpose_a, row0 + i0, block_rows, p0, depth, a_stride,
                   packed_a});
        multiply_block(p0, depth, row0 + i0, block_rows, col0, cols, packed_a, a_stride,
                       packed_b, b_stride);
      }
    }
  }

  // The micro-kernel over one packed mc x kc block of A and the tile's kc x cols of B,
  // each nr-wide panel of B held in L1 while the mr-row panels of A stream from L2.
  void multiply_block(std::size_t p0, std::size_t depth, std::size_t row0, std::size_t rows,
                      std::size_t col0, std::size_t cols, const T* packed_a,
                      std::size_t a_stride, const T* packed_b, std::size_t b_stride) const {
    const std::size_t mr = ks.mr, nr = ks.nr;
    const bool load_c = op.accumulate || p0 > 0;
    // The bias and the ReLU go in with the depth's last block, after the whole sum.
    const bool last_block = p0 + depth == shape.k;
    const bool add_bias = op.bias != nullptr && last_block;
    const bool relu = op.relu && last_block;
    T* edge = thread_scratch_as<T>(ScratchSlot::edge_tile, mr * nr + nr);
    T* edge_bias = edge + mr * nr;
    for (std::size_t j = 0; j < cols; j += nr) {
      const T* b_panel = packed_b + j / nr * b_stride;
      const std::size_t live_cols = std::min(nr, cols - j);
      const T* bias = add_bias ? op.bias + col0 + j : nullptr;
      if (add_bias && live_cols < nr) {  // the kernel reads nr values
        std::fill(std::copy_n(bias, live_cols, edge_bias), edge_bias + nr, T{0});
        bias = edge_bias;
      }
      for (std::size_t i = 0; i < rows; i += mr) {
        const T* a_panel = packed_a + i / mr * a_stride;
        const std::size_t live_rows = std::min(mr, rows - i);
        T* c = op.c + (row0 + i) * op.ldc + col0 + j;
        if (live_rows == mr && live_cols == nr) {
          ks.micro(depth, a_panel, b_panel, c, op.ldc, load_c, bias, relu);
          continue;
        }
        // Edge tile: run the kernel on a full scratch tile, copy the live part.
        for (std::size_t r = 0; r < live_rows && load_c; ++r) {
          std::copy_n(c + r * op.ldc, live_cols, edge + r * nr);
        }
        const auto kernel = live_cols <= nr / 2 ? ks.micro_half : ks.micro;
        kernel(depth, a_panel, b_panel, edge, nr, load_c, bias, relu);
        for (std::size_t r = 0; r < live_rows; ++r) {
          std::copy_n(edge + r * nr, live_cols, c + r * op.ldc);
        }
      }
    }
  }
};

}  // namespace

template <class T>
void gemm_packed(GemmShape s, const GemmOperands<T>& op, const GemmKernelSet<T>& ks) {
  const Blocking blk = blocking_for(ks);
  std::size_t tile_rows = part_size(s.m, blk.max_rows, ks.mr);
  std::size_t tile_cols = part_size(s.n, blk.max_cols, ks.nr);
  const std::size_t threads =
      std::min<std::size_t>(static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()),
                            tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const bool parallel = threads > 1 && s.m * s.n * s.k >= kGemmParallelCutoff;
  // Enough tiles to keep a few cores busy. Split rows first: that repeats B's packing (a
  // plain copy) rather than A's (a transposition when A is not transposed).
  constexpr std::size_t kMinTiles = 4;
  while (parallel && ceil_div(s.m, tile_rows) * ceil_div(s.n, tile_cols) < kMinTiles) {
    if (tile_rows >= 4 * ks.mr) {
      tile_rows = round_up(tile_rows / 2, ks.mr);
    } else if (tile_cols >= 4 * ks.nr) {
      tile_cols = round_up(tile_cols / 2, ks.nr);
    } else {
      break;
    }
  }
  const std::size_t row_tiles = ceil_div(s.m, tile_rows), col_tiles = ceil_div(s.n, tile_cols);
  // The depth in near-equal blocks, up to a quarter over kc: k = 200 is one block of 200,
  // not 192 and a last block of 8 that costs a pass over C for little work.
  const std::size_t depth_blocks = ceil_div(s.k, blk.kc + blk.kc / 4);
  const PackedTask<T> task{s, op, ks, ceil_div(s.k, depth_blocks), blk.mc};
  auto run_tile = [&](std::size_t t) {
    const std::size_t row0 = t / col_tiles * tile_rows, col0 = t % col_tiles * tile_cols;
    task.run(row0, std::min(tile_rows, s.m - row0), col0, std::min(tile_cols, s.n - col0));
  };
  const std::size_t tiles = row_tiles * col_tiles;
  if (!parallel || tiles == 1) {
    for (std::size_t t = 0; t < tiles; ++t) run_tile(t);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, tiles, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t t = r.begin(); t < r.end(); ++t) run_tile(t);
      },
      tbb::simple_partitioner());
}

template void gemm_packed<float>(GemmShape, const GemmOperands<float>&, const GemmKernelSet<float>&);
template void gemm_packed<double>(GemmShape, const GemmOperands<double>&,
                                  const GemmKernelSet<double>&);

}  // namespace cgrad::detail
