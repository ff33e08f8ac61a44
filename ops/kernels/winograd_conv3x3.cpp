#include "ops/kernels/winograd_conv3x3.h"

#include <algorithm>
#include <type_traits>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/kernels/short_lines.h"
#include "ops/scratch.h"

namespace cgrad::detail {
namespace {

// The 16 elements of a transformed tile, row by row: element xi = 4 i + k.
constexpr std::size_t kTileElements = 16;

// Tile (ty, tx) gives the outputs (2 ty .. 2 ty + 1, 2 tx .. 2 tx + 1) and reads the padded
// input's rows 2 ty .. 2 ty + 3 and columns 2 tx .. 2 tx + 3. The padded plane is 2 rows
// and 2 columns larger than the tiles' outputs: the padding of the convolution at the top
// and left, the rest (one more line when the output's size is odd) at the bottom and right.
struct Tiling {
  std::size_t rows, cols;  // of tiles
  Size2d out;

  std::size_t padded_height() const { return 2 * rows + 2; }
  std::size_t padded_width() const { return 2 * cols + 2; }
  // A row of tiles takes cols + 1 slots (columns of the transformed input), as many as a
  // row of the quarters below (half a padded line): the transform runs over whole rows of
  // them, and the last slot of each, which straddles the row's end, is computed and dropped.
  std::size_t slots_per_row() const { return cols + 1; }
  std::size_t slots() const { return rows * slots_per_row(); }
};

Tiling tiling_of(const Winograd3x3& s) {
  const Size2d out = s.out();
  return {(out.h + 1) / 2, (out.w + 1) / 2, out};
}

// Images are convolved in blocks of about this many slots. The [64,16,14,14] -> 32 forward
// (56 slots an image) took 1.00, 0.92, 1.00, 1.12 and 1.13 ms with blocks of 1, 2, 4, 8
// and 16 images in a prototype of this file (one thread): larger blocks spill the
// transformed input and the products (16 x channels x slots each) out of the core's L2.
// With this file, that layer's forward and backward took 3.38 and 3.48 ms with blocks of
// one image, 3.31 and 3.20 with two, 3.19 and 3.30 with four (two runs each).
// Blocks are also made small enough that there are at least kMinBlocks when the images
// allow: [16,256,7,7] -> 256 (20 slots an image) had 3 blocks of 6, 6 and 4 images, which
// two threads share as 12 against 4.
constexpr std::size_t kBlockSlots = 128, kMinBlocks = 4;

std::size_t images_per_block(const Tiling& t, std::size_t images) {
  const std::size_t even_share = (images + kMinBlocks - 1) / kMinBlocks;  // at most `images`
  return std::max<std::size_t>(1, std::min(kBlockSlots / t.slots(), even_share));
}

enum class Scratch : std::size_t { weight, plane, split, work, input, products, count };

template <Real T>
T* scratch(Scratch slot, std::size_t count) {
  return op_scratch<Scratch, T, static_cast<std::size_t>(Scratch::count)>(count, static_cast<std::size_t>(slot));
}

// The transforms run over blocks of kSlotBlock slots (or kernels, for the weight's).
constexpr std::size_t kSlotBlock = 16;

// body(first, lanes) for blocks of kSlotBlock slots covering [0, count), the last
// overlapping the one before; one block of `count` lanes when count < kSlotBlock (lanes is
// a compile-time kSlotBlock for the full blocks, a std::size_t for the short one). The
// blocks' work goes through local arrays of a fixed length, which the compiler keeps in
// vector registers (over pointers into the operands it could not tell apart, the
// transforms stayed scalar: 20% of the [64,16,14,14] -> 32 step).
template <class Body>
void for_slot_blocks(std::size_t count, const Body& body) {
  if (count < kSlotBlock) {
    if (count > 0) body(std::size_t{0}, count);
    return;
  }
  constexpr std::integral_constant<std::size_t, kSlotBlock> full;
  for (std::size_t first = 0; first + kSlotBlock <= count; first += kSlotBlock) body(first, full);
  if (count % kSlotBlock != 0) body(count - kSlotBlock, full);
}

// u[xi][r] = (G g Gᵀ)[xi] for the 3x3 kernel g = weight[r] of every r, in the weight's
// own order, with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]: the reads and the 16
// streams of writes are sequential (written as [xi][o][c] from a flipped weight, [c][o]
// order, the reads jumped by a row of kernels). Blocks of kSlotBlock kernels through local
// arrays, as the tiles' transforms below: one kernel at a time, scalar, the transform took
// 17% of the [16,256,7,7] -> 256 step's perf samples, and 3% this way.
template <Real T>
void transform_weight(const T* weight, std::size_t kernels, T* u) {
  for_slot_blocks(kernels, [&](std::size_t first, auto lanes) {
    const T* __restrict from = weight + 9 * first;  // out of the closure, as below
    T* __restrict to = u + first;
    const std::size_t stride = kernels;
    const T half{0.5};
    T g[9 * kSlotBlock];  // kSlotBlock kernels as stored
    if (lanes < kSlotBlock) std::fill_n(g, 9 * kSlotBlock, T{0});
    std::copy_n(from, 9 * lanes, g);
    T out[kTileElements][kSlotBlock];
    for (std::size_t l = 0; l < kSlotBlock; ++l) {
      const T* k = g + 9 * l;
      T rows[4][3];  // G g
      for (std::size_t j = 0; j < 3; ++j) {
        rows[0][j] = k[j];
        rows[1][j] = half * (k[j] + k[3 + j] + k[6 + j]);
        rows[2][j] = half * (k[j] - k[3 + j] + k[6 + j]);
        rows[3][j] = k[6 + j];
      }
      for (std::size_t i = 0; i < 4; ++i) {  // (G g) Gᵀ
        const T* row = rows[i];
        out[4 * i][l] = row[0];
        out[4 * i + 1][l] = half * (row[0] + row[1] + row[2]);
        out[4 * i + 2][l] = half * (row[0] - row[1] + row[2]);
        out[4 * i + 3][l] = row[2];
      }
    }
    for (std::size_t xi = 0; xi < kTileElements; ++xi) std::copy_n(out[xi], lanes, to + xi * stride);
  });
}

// The transformed weight's matrix for tile element xi, as the GEMM's A: [O, C]. A flipped
// weight's transform needs no pass of its own. Reversing g's rows and columns reverses
// G's columns, which swaps G's rows 0 and 3 (G J = P G), so (G J g J Gᵀ)[i][k] =
// (G g Gᵀ)[p(i)][p(k)] with p = (3, 1, 2, 0); and the transposition of the channels is
// the GEMM's transpose_a, the weight being stored [C, O] for this convolution.
struct WeightMatrix {
  std::size_t element, lda;
  bool transpose;
};

WeightMatrix weight_matrix(const Winograd3x3& s, std::size_t xi) {
  if (!s.flip) return {xi, s.in_channels, false};
  constexpr std::size_t kSwap[4] = {3, 1, 2, 0};
  return {4 * kSwap[xi / 4] + kSwap[xi % 4], s.out_channels, true};
}

// A padded plane split by the parity of its rows and columns into four quarters,
// quarter (a % 2, b % 2) holding element (2 p + a % 2, 2 q + b % 2) at p slots_per_row + q,
// so that element (a, b) of tile (ty, tx) sits at slot ty slots_per_row + tx of quarter
// (a % 2, b % 2), plus (a / 2) slots_per_row + b / 2: each of a tile's 16 elements is
// read at a fixed offset from the slot, and the transform below is one pass over slots.
// The quarters are made in two passes that vectorize (a split of each line into its even
// and odd columns, in place of them, stayed scalar and took the step's largest part of
// the transforms): the padded plane is written with its even rows first, then its odd
// rows, and then split into its even and odd elements, even rows' quarters first.
std::size_t quarter_size(const Tiling& t) { return (t.rows + 1) * t.slots_per_row(); }

// The last block of slots of a plane overlaps the one before, or, in a plane of fewer
// slots, reads past them, into the zeros that follow the even and the odd elements'
// quarters.
std::size_t split_size(const Tiling& t) { return 2 * quarter_size(t) + kSlotBlock; }  // of the even or odd elements

// split = the quarters of src (height x width) padded by s.pad at the top and left and
// with zeros to the tiling's padded size: its even elements, then its odd ones
// (split_size each). `padded` holds the plane by row parity on the way.
template <Real T>
void split_plane(const Winograd3x3& s, const Tiling& t, const T* __restrict src, T* __restrict padded,
                 T* __restrict split) {
  const std::size_t wp = t.padded_width(), half = t.padded_height() / 2;
  std::fill_n(padded, t.padded_height() * wp, T{0});
  for (std::size_t i = 0; i < s.height; ++i) {
    const std::size_t row = i + s.pad.h;
    copy_line(src + i * s.width, s.width, padded + (row % 2 * half + row / 2) * wp + s.pad.w);
  }
  const std::size_t count = t.padded_height() * wp, size = split_size(t);  // count / 2 elements each, then zeros
  T* even = split;
  T* odd = split + size;
  for (std::size_t f = 0; f < count / 2; ++f) {
    even[f] = padded[2 * f];
    odd[f] = padded[2 * f + 1];
  }
  std::fill(even + count / 2, even + size, T{0});
  std::fill(odd + count / 2, odd + size, T{0});
}

// v[xi * row_stride + slot] = (Bᵀ d B)[xi] for the tile d of every slot of one plane's
// quarters (`split`), with Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
template <Real T>
void transform_plane(const Tiling& t, const T* __restrict split, T* __restrict v, std::size_t row_stride) {
  const std::size_t quarter = quarter_size(t), down = t.slots_per_row();
  const T* ee = split;  // (even row, even column)
  const T* oe = ee + quarter;
  const T* eo = split + split_size(t);
  const T* oo = eo + quarter;
  for_slot_blocks(t.slots(), [&](std::size_t first, auto lanes) {
    // Copied out of the closure: the stores to v below could alias it, as far as the
    // compiler knows, and every read of it came after each store again.
    const T* __restrict e_e = ee;
    const T* __restrict e_o = eo;
    const T* __restrict o_e = oe;
    const T* __restrict o_o = oo;
    const std::size_t next_row = down, stride = row_stride;
    T* __restrict to = v + first;
    T out[kTileElements][kSlotBlock];
    for (std::size_t l = 0; l < kSlotBlock; ++l) {
      const std::size_t f = first + l, g = f + next_row;
      // Row a of the tile d: its columns 0..3.
      const T d0[4] = {e_e[f], e_o[f], e_e[f + 1], e_o[f + 1]};
      const T d1[4] = {o_e[f], o_o[f], o_e[f + 1], o_o[f + 1]};
      const T d2[4] = {e_e[g], e_o[g], e_e[g + 1], e_o[g + 1]};
      const T d3[4] = {o_e[g], o_o[g], o_e[g + 1], o_o[g + 1]};
      T r[4][4];  // Bᵀ d
      for (std::size_t b = 0; b < 4; ++b) {
        r[0][b] = d0[b] - d2[b];
        r[1][b] = d1[b] + d2[b];
        r[2][b] = d2[b] - d1[b];
        r[3][b] = d1[b] - d3[b];
      }
      for (std::size_t i = 0; i < 4; ++i) {  // (Bᵀ d) B
        out[4 * i][l] = r[i][0] - r[i][2];
        out[4 * i + 1][l] = r[i][1] + r[i][2];
        out[4 * i + 2][l] = r[i][2] - r[i][1];
        out[4 * i + 3][l] = r[i][1] - r[i][3];
      }
    }
    for (std::size_t xi = 0; xi < kTileElements; ++xi) std::copy_n(out[xi], lanes, to + xi * stride);
  });
}

std::size_t channel_work_size(std::size_t slots) { return 4 * slots; }

// One output channel of a block of `images`: y (=|+=) Aᵀ m A + bias for every tile, with
// Aᵀ = [1 1 1 0; 0 1 -1 -1]; m's 16 rows (row_stride apart) hold the channel's products.
// The four outputs of each slot are interleaved into two output lines (work), then the
// lines are copied into the planes without the dropped slots.
template <Real T>
void transform_output(const Tiling& t, const T* __restrict m, std::size_t row_stride, std::size_t images, T bias,
                      T* __restrict y, std::size_t image_stride, bool accumulate, T* __restrict work) {
  const std::size_t count = images * t.slots();
  T* top = work;  // [2 count]: y00, y01 of each slot
  T* bottom = top + 2 * count;
  for_slot_blocks(count, [&](std::size_t first, auto lanes) {
    const T* __restrict from = m + first;  // out of the closure, as in transform_plane
    const std::size_t stride = row_stride;
    const T add = bias;
    T* __restrict to_top = top + 2 * first;
    T* __restrict to_bottom = bottom + 2 * first;
    T in[kTileElements][kSlotBlock];
    if (lanes < kSlotBlock) std::fill_n(&in[0][0], kTileElements * kSlotBlock, T{0});  // lanes past the slots
    for (std::size_t xi = 0; xi < kTileElements; ++xi) std::copy_n(from + xi * stride, lanes, in[xi]);
    T lines[2][2 * kSlotBlock];
    for (std::size_t l = 0; l < kSlotBlock; ++l) {
      T a[4], b[4];  // Aᵀ m
      for (std::size_t k = 0; k < 4; ++k) {
        a[k] = in[k][l] + in[4 + k][l] + in[8 + k][l];
        b[k] = in[4 + k][l] - in[8 + k][l] - in[12 + k][l];
      }
      lines[0][2 * l] = a[0] + a[1] + a[2] + add;
      lines[0][2 * l + 1] = a[1] - a[2] - a[3] + add;
      lines[1][2 * l] = b[0] + b[1] + b[2] + add;
      lines[1][2 * l + 1] = b[1] - b[2] - b[3] + add;
    }
    std::copy_n(lines[0], 2 * lanes, to_top);
    std::copy_n(lines[1], 2 * lanes, to_bottom);
  });
  const std::size_t width = t.out.w;
  const auto store = [&](const T* from, T* to) {
    if (accumulate) {
      for (std::size_t j = 0; j < width; ++j) to[j] += from[j];
    } else {
      copy_line(from, width, to);
    }
  };
  for (std::size_t n = 0; n < images; ++n) {
    T* plane = y + n * image_stride;
    for (std::size_t ty = 0; ty < t.rows; ++ty) {
      const std::size_t line = 2 * (n * t.slots() + ty * t.slots_per_row());
      store(top + line, plane + 2 * ty * width);
      if (2 * ty + 1 < t.out.h) store(bottom + line, plane + (2 * ty + 1) * width);
    }
  }
}

// The images [first, first + count): transform their tiles, multiply, transform back.
template <Real T>
void convolve_block(const Winograd3x3& s, const Tiling& t, const T* u, const T* x, const T* bias, T* y,
                    std::size_t first, std::size_t count, bool accumulate) {
  const std::size_t in_channels = s.in_channels, out_channels = s.out_channels;
  const std::size_t slots = count * t.slots(), pixels = t.out.h * t.out.w;
  T* padded = scratch<T>(Scratch::plane, t.padded_height() * t.padded_width());
  T* split = scratch<T>(Scratch::split, 2 * split_size(t));
  T* work = scratch<T>(Scratch::work, channel_work_size(slots));
  T* v = scratch<T>(Scratch::input, kTileElements * in_channels * slots);      // [c][xi][slot]
  T* m = scratch<T>(Scratch::products, kTileElements * out_channels * slots);  // [o][xi][slot]
  for (std::size_t n = 0; n < count; ++n)
    for (std::size_t c = 0; c < in_channels; ++c) {
      split_plane(s, t, x + ((first + n) * in_channels + c) * s.height * s.width, padded, split);
      transform_plane(t, split, v + c * kTileElements * slots + n * t.slots(), slots);
    }
  for (std::size_t xi = 0; xi < kTileElements; ++xi) {
    const WeightMatrix w = weight_matrix(s, xi);
    gemm<T>({out_channels, slots, in_channels},
            {.a = u + w.element * out_channels * in_channels, .lda = w.lda, .transpose_a = w.transpose,
             .b = v + xi * slots, .ldb = kTileElements * slots,
             .c = m + xi * slots, .ldc = kTileElements * slots});
  }
  for (std::size_t o = 0; o < out_channels; ++o) {
    transform_output(t, m + o * kTileElements * slots, slots, count, bias != nullptr ? bias[o] : T{0},
                     y + (first * out_channels + o) * pixels, out_channels * pixels, accumulate, work);
  }
}

}  // namespace

template <Real T>
void winograd_conv3x3(const Winograd3x3& s, const T* x, const T* weight, const T* bias, T* y, bool accumulate) {
  if (s.images == 0) return;
  const Tiling t = tiling_of(s);
  T* u = scratch<T>(Scratch::weight, kTileElements * s.out_channels * s.in_channels);
  transform_weight(weight, s.out_channels * s.in_channels, u);
  const std::size_t per_block = images_per_block(t, s.images);
  const std::size_t blocks = (s.images + per_block - 1) / per_block;
  const auto block = [&](std::size_t b) {
    const std::size_t first = b * per_block;
    convolve_block(s, t, u, x, bias, y, first, std::min(per_block, s.images - first), accumulate);
  };
  // Blocks run as parallel tasks when their products together are worth two threads (a
  // quarter of the GEMM's cut-off, as Conv2d's images). A block's GEMMs are small, so
  // this is where a Winograd convolution finds its parallelism (deciding it by Conv2d's
  // images instead left [32,32,28,28] -> 32 on one core: 11.8 ms on 1 thread, 10.3 on 2).
  // Each task is isolated: a GEMM large enough to split itself leaves its thread waiting
  // inside the block, and that thread must not start another block, which would reuse
  // the same scratch.
  const std::size_t work = kTileElements * s.out_channels * s.in_channels * s.images * t.slots();
  if (blocks == 1 || work < kGemmParallelCutoff / 4) {
    for (std::size_t b = 0; b < blocks; ++b) block(b);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks, 1),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t b = r.begin(); b < r.end(); ++b)
                        tbb::this_task_arena::isolate([&] { block(b); });
                    },
                    tbb::simple_partitioner());
}

template void winograd_conv3x3(const Winograd3x3&, const float*, const float*, const float*, float*, bool);
template void winograd_conv3x3(const Winograd3x3&, const double*, const double*, const double*, double*, bool);

}  // namespace cgrad::detail
