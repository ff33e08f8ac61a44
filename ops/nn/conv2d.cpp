#include "ops/nn/conv2d.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_gathered.h"
#include "ops/kernels/gemm_kernel_set.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/kernels/short_lines.h"
#include "ops/kernels/winograd_conv3x3.h"
#include "ops/nn/conv2d_paths.h"
#include "ops/op_support.h"
#include "ops/scratch.h"

namespace cgrad {
namespace {

// Stride-1 convolutions with at least 4 channels a group on planes large enough take the
// implicit GEMM below (implicit_gemm); the rest take im2col:
// Convolution as one matrix product per image and group (im2col): the image's receptive
// fields are laid out as the columns of a [C kh kw, Ho Wo] matrix, so that
//   y_n = W · col_n,   dWᵀ = Σ_n col_n · dy_nᵀ,   dcol_n = Wᵀ · dy_n  (then scattered back).
// When the weight needs a gradient, the forward builds every col_n into node.saved (9x the
// input for a 3x3 kernel) and the backward reads them there instead of building them again
// (see keeps_columns); otherwise col_n is built per image into a thread's scratch.
struct Geometry {
  std::size_t images, channels, height, width;  // x
  std::size_t out_channels, groups;
  detail::Window2d window;
  Size2d out;

  std::size_t group_channels() const { return channels / groups; }
  std::size_t group_out_channels() const { return out_channels / groups; }
  std::size_t group_rows() const { return group_channels() * window.kernel.h * window.kernel.w; }  // of col
  std::size_t col_rows() const { return channels * window.kernel.h * window.kernel.w; }
  std::size_t pixels() const { return out.h * out.w; }
  std::size_t image_size() const { return channels * height * width; }
  std::size_t col_size() const { return col_rows() * pixels(); }
  // A 1x1 kernel at stride 1 without padding reads every pixel once, in place: col_n is x_n.
  bool pointwise() const {
    return window.kernel == Size2d{1} && window.stride == Size2d{1} && window.padding == Size2d{0};
  }
  // Multiply-adds of one image's products.
  std::size_t work_per_image() const { return out_channels * group_rows() * pixels(); }
};

// ints[0..8): kernel, stride, padding, dilation (Window2d); ints[8]: groups.
constexpr std::size_t kGroupsSlot = 8;

// The node's params for a window and a group count (read back by describe).
void store_params(const detail::Window2d& window, std::size_t groups, OpParams& params) {
  window.store(params);
  params.ints[kGroupsSlot] = static_cast<std::int64_t>(groups);
}

Geometry describe(const Shape& x, const Shape& weight, const OpParams& params) {
  Geometry g{x[0], x[1], x[2], x[3], weight[0], static_cast<std::size_t>(params.ints[kGroupsSlot]),
             detail::Window2d::load(params), {}};
  g.out = g.window.output(g.height, g.width);
  return g;
}

// Images run in parallel when one image's products are too small to use both cores (so no
// GEMM splits itself inside a task: the GEMM's packing scratch is per thread), as MatMul's
// batches do. Each image's output is written by one task, in a fixed order.
bool images_in_parallel(const Geometry& g) {
  using detail::kGemmParallelCutoff;
  return g.images > 1 && g.work_per_image() < kGemmParallelCutoff &&
         g.images * g.work_per_image() >= kGemmParallelCutoff / 4;
}

template <class Body>
void for_each_index(std::size_t count, bool parallel, const Body& body) {
  if (!parallel) {
    for (std::size_t i = 0; i < count; ++i) body(i);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 1),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i < r.end(); ++i) body(i);
                    },
                    tbb::simple_partitioner());
}

// Backward runs over chunks of images, each chunk summing its share of the weight gradient
// into its own partial. The count comes from the shape, never the thread count: at most 8
// chunks, a share for each of up to 8 threads.
std::size_t weight_grad_chunks(const Geometry& g) {
  constexpr std::size_t kMaxChunks = 8;
  return images_in_parallel(g) ? std::min(g.images, kMaxChunks) : 1;
}

// Buffers of the calling thread (ops/scratch.h), one per slot. The parallel parts
// run isolated (tbb::this_task_arena::isolate), so while a thread waits inside one it
// cannot pick up another op's task that would reuse its buffers.
enum class Scratch : std::size_t {
  columns, column_grad, weight_partials, padding_masks, padded, wide, padded_grad, flipped_weight, transposed_grad,
  count
};

template <Real T>
T* scratch(Scratch slot, std::size_t count) {
  return detail::op_scratch<Scratch, T, static_cast<std::size_t>(Scratch::count)>(count,
                                                                                  static_cast<std::size_t>(slot));
}

using detail::Span;

// The outputs o of `count` positions that read input index o * stride + offset inside
// [0, size): o in [first, last).
Span inside(std::size_t count, std::size_t stride, std::int64_t offset, std::size_t size) {
  const auto s = static_cast<std::int64_t>(stride);
  const std::int64_t first = offset >= 0 ? 0 : (-offset + s - 1) / s;
  const std::int64_t end = static_cast<std::int64_t>(size) - offset;  // o * stride < end
  const std::int64_t last = end <= 0 ? 0 : (end + s - 1) / s;
  const auto clamp = [&](std::int64_t v) { return static_cast<std::size_t>(std::clamp<std::int64_t>(v, 0, static_cast<std::int64_t>(count))); };
  const std::size_t a = clamp(first), b = clamp(last);
  return {a, std::max(a, b)};
}

// Walks col's rows for one image: visit(row, channel plane, oh, ih or -1, ow span, iw of the
// span's first output). Shared by im2col and its adjoint so that both read the same fields.
// The channel loop is innermost, so that each kernel tap's spans (two integer divisions
// each) are worked out once per tap, not once per channel (perf: 2% of the [64,16,14,14]
// -> 32 step). The adjoint's sums keep their order: a dx element of channel c gets only
// channel c's rows, still in kernel-tap order.
template <class Visit>
void for_each_field_row(const Geometry& g, const Visit& visit) {
  const detail::Window2d& w = g.window;
  for (std::size_t ki = 0; ki < w.kernel.h; ++ki) {
    const auto row_offset = static_cast<std::int64_t>(ki * w.dilation.h) - static_cast<std::int64_t>(w.padding.h);
    const Span rows = inside(g.out.h, w.stride.h, row_offset, g.height);
    for (std::size_t kj = 0; kj < w.kernel.w; ++kj) {
      const auto col_offset = static_cast<std::int64_t>(kj * w.dilation.w) - static_cast<std::int64_t>(w.padding.w);
      const Span cols = inside(g.out.w, w.stride.w, col_offset, g.width);
      const auto first_iw = static_cast<std::size_t>(static_cast<std::int64_t>(cols.first * w.stride.w) + col_offset);
      for (std::size_t c = 0; c < g.channels; ++c) {
        const std::size_t row = (c * w.kernel.h + ki) * w.kernel.w + kj;
        visit(row, c, rows, row_offset, cols, first_iw);
      }
    }
  }
}

// With stride 1 and an output as wide as the input ("same" padding), a
// row of col is the channel plane read at one fixed offset, (ki dh - ph) W + kj dw - pw,
// apart from the columns that fall in the padding: each row is then one long copy (or
// add) over the pixels instead of Ho copies of Wo elements, and the padding columns are
// fixed up afterwards. (Profile of [64,16,14,14] -> 32, 3x3: im2col was a quarter of the
// step, spent on 14-element lines.)
bool rows_are_shifted_planes(const Geometry& g) {
  return g.window.stride.h == 1 && g.window.stride.w == 1 && g.out.w == g.width;
}

// For such a row: the pixels [first, last) whose source p + shift lies in the plane and in
// the output rows that read the plane; the columns outside `cols` are padding.
struct PlaneRun {
  std::size_t first, last;
  std::int64_t shift;
};
PlaneRun plane_run(const Geometry& g, Span rows, std::int64_t row_offset, Span cols, std::size_t first_iw) {
  const std::size_t wo = g.out.w;
  // The source of pixel oh Wo + ow is (oh sh + row_offset) W + ow + col_offset; with sh = 1 that
  // is pixel + row_offset W + col_offset. Strided rows (sh > 1) are not one shift.
  const auto col_offset = static_cast<std::int64_t>(first_iw) - static_cast<std::int64_t>(cols.first);
  const std::int64_t shift = row_offset * static_cast<std::int64_t>(g.width) + col_offset;
  const auto plane = static_cast<std::int64_t>(g.height * g.width);
  std::int64_t first = static_cast<std::int64_t>(rows.first * wo), last = static_cast<std::int64_t>(rows.last * wo);
  first = std::max(first, -shift);
  last = std::min(last, plane - shift);
  if (last < first) last = first;
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(last), shift};
}

// col[row, oh Wo + ow] = x[c, oh sh + ki dh - ph, ow sw + kj dw - pw], 0 in the padding.
// Lines are short (Wo elements), so the loops stay plain loops: the attribute keeps GCC from
// turning them into calls to memset and memmove (no benchmark row compares the two).
template <Real T>
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void im2col(const Geometry& g, const T* x, T* col) {
  const std::size_t wo = g.out.w, sw = g.window.stride.w, sh = g.window.stride.h;
  const bool shifted = rows_are_shifted_planes(g);
  for_each_field_row(g, [&](std::size_t row, std::size_t c, Span rows, std::int64_t row_offset, Span cols,
                            std::size_t first_iw) {
    T* out = col + row * g.pixels();
    const T* plane = x + c * g.height * g.width;
    if (shifted) {
      const PlaneRun run = plane_run(g, rows, row_offset, cols, first_iw);
      std::fill(out, out + run.first, T{0});
      if (run.last > run.first)
        std::memcpy(out + run.first, plane + (static_cast<std::int64_t>(run.first) + run.shift),
                    (run.last - run.first) * sizeof(T));
      std::fill(out + run.last, out + g.pixels(), T{0});
      // The padding columns of the rows copied: what the shift brought in from the
      // neighbouring image row. A column or two: one strided pass each, down the lines
      // (a pass per line cost more than the copy, in the [64,16,14,14] -> 32 profile).
      const std::size_t lines_end = rows.last * wo;
      const auto clear_column = [&](std::size_t ow) {
        for (std::size_t p = rows.first * wo + ow; p < lines_end; p += wo) out[p] = T{0};
      };
      for (std::size_t ow = 0; ow < cols.first; ++ow) clear_column(ow);
      for (std::size_t ow = cols.last; ow < wo; ++ow) clear_column(ow);
      return;
    }
    for (std::size_t i = 0; i < rows.first * wo; ++i) out[i] = T{0};
    for (std::size_t oh = rows.first; oh < rows.last; ++oh) {
      T* line = out + oh * wo;
      const T* in = plane + static_cast<std::size_t>(static_cast<std::int64_t>(oh * sh) + row_offset) * g.width +
                    first_iw;  // x at output column cols.first
      for (std::size_t ow = 0; ow < cols.first; ++ow) line[ow] = T{0};
      const std::size_t count = cols.last - cols.first;
      T* inside_line = line + cols.first;
      if (sw == 1) {
        for (std::size_t j = 0; j < count; ++j) inside_line[j] = in[j];
      } else {
        for (std::size_t j = 0; j < count; ++j) inside_line[j] = in[j * sw];
      }
      for (std::size_t ow = cols.last; ow < wo; ++ow) line[ow] = T{0};
    }
    for (std::size_t i = rows.last * wo; i < g.pixels(); ++i) out[i] = T{0};
  });
}

// For col2im_add's shifted-plane case: masks[kj][pixel] = 1 where column kj of the kernel
// reads the image, 0 in the padding. They depend on the geometry only, so backward builds
// them once per call (in the op's scratch), not per image.
template <Real T>
T* padding_masks(const Geometry& g) {
  const std::size_t wo = g.out.w, kw = g.window.kernel.w;
  T* masks = scratch<T>(Scratch::padding_masks, kw * g.pixels());
  for (std::size_t kj = 0; kj < kw; ++kj) {
    const auto col_offset =
        static_cast<std::int64_t>(kj * g.window.dilation.w) - static_cast<std::int64_t>(g.window.padding.w);
    const Span cols = inside(wo, g.window.stride.w, col_offset, g.width);
    for (std::size_t oh = 0; oh < g.out.h; ++oh) {
      T* line = masks + kj * g.pixels() + oh * wo;
      for (std::size_t ow = 0; ow < wo; ++ow) line[ow] = ow >= cols.first && ow < cols.last ? T{1} : T{0};
    }
  }
  return masks;
}

// The adjoint of im2col: dx[c, ih, iw] += dcol[row, pixel] over every field that read it.
// dx must be zeroed or hold what to add to. Rows are visited in order: a fixed sum. In the
// shifted-plane case a row is added as one run, and a row with padding columns (which
// would land on the neighbouring image row) adds through `masks` (padding_masks), keeping
// dx there as it was: each dx element gets the same adds in the same order as line by line.
template <Real T>
void col2im_add(const Geometry& g, const T* dcol, T* dx, const T* masks) {
  const std::size_t wo = g.out.w, sw = g.window.stride.w, sh = g.window.stride.h, kw = g.window.kernel.w;
  const bool shifted = rows_are_shifted_planes(g);
  for_each_field_row(g, [&](std::size_t row, std::size_t c, Span rows, std::int64_t row_offset, Span cols,
                            std::size_t first_iw) {
    const T* in = dcol + row * g.pixels();
    T* plane = dx + c * g.height * g.width;
    if (shifted) {
      const PlaneRun run = plane_run(g, rows, row_offset, cols, first_iw);
      T* __restrict out = plane + run.shift;
      if (cols.first == 0 && cols.last == wo) {
        for (std::size_t p = run.first; p < run.last; ++p) out[p] += in[p];
      } else {
        const T* mask = masks + row % kw * g.pixels();
        for (std::size_t p = run.first; p < run.last; ++p) out[p] = mask[p] != T{0} ? out[p] + in[p] : out[p];
      }
      return;
    }
    for (std::size_t oh = rows.first; oh < rows.last; ++oh) {
      const T* line = in + oh * wo + cols.first;
      T* out = plane + static_cast<std::size_t>(static_cast<std::int64_t>(oh * sh) + row_offset) * g.width + first_iw;
      const std::size_t n = cols.last - cols.first;
      if (sw == 1) {
        for (std::size_t j = 0; j < n; ++j) out[j] += line[j];
      } else {
        for (std::size_t j = 0; j < n; ++j) out[j * sw] += line[j];
      }
    }
  });
}

// Stride-1 convolutions (3x3 "same" or "valid" and the like) run as an implicit GEMM
// over the zero-padded input instead of through a column matrix. With the planes padded
// to Hp x Wp, output pixel (oh, ow) reads at tap (ki, kj) the padded element
// (oh + ki dh) Wp + ow + kj dw = q + shift(ki, kj), q = oh Wp + ow: every row of the
// column matrix is a padded plane read at one shift. gemm_gathered reads those rows in
// place through a table of shifts, and writes the output "wide", Ho lines of Wp
// (the last Wp - Wo of a line are fields that wrap onto the next line: computed, then
// dropped when the wide output is copied down to Ho x Wo). The copies are of the input
// and the output (about 1x each) where im2col and col2im moved 9x the input for a 3x3
// kernel (perf of the [64,16,14,14] -> 32 step: im2col 8%, its memmove 9%, col2im in
// the backward's loop 4%), for the wide lines' extra columns (16 of 14 there).
//   y_n   = W · shifted planes of pad(x_n): the forward, the same sums as im2col's;
//   dx_n  = the same kind of convolution of dy_n, padded by the kernel's extent minus the
//           padding, with the weight flipped in space and transposed in channels;
//   dWᵀ  += shifted planes of pad(x_n) · dy_nᵀ, the sums over the valid pixels only, in
//           pixel order as im2col's (so a wrapped field's inf or NaN never enters dW).

// A stride-1 convolution's planes: `height` x `width` padded by `pad` on each side.
struct PaddedPlanes {
  std::size_t channels, height, width;
  Size2d pad, kernel, dilation;

  std::size_t padded_height() const { return height + 2 * pad.h; }
  std::size_t padded_width() const { return width + 2 * pad.w; }
  std::size_t plane() const { return padded_height() * padded_width(); }
  std::size_t size() const { return channels * plane(); }
  Size2d out() const {
    return {padded_height() - dilation.h * (kernel.h - 1), padded_width() - dilation.w * (kernel.w - 1)};
  }
  // Columns of the wide output: Ho lines of Wp, the last one only as long as it reads.
  std::size_t wide_cols() const { return (out().h - 1) * padded_width() + out().w; }
};

PaddedPlanes input_planes(const Geometry& g) {
  return {g.channels, g.height, g.width, g.window.padding, g.window.kernel, g.window.dilation};
}

// With fewer than 4 input channels a group's input-gradient product has fewer rows than a
// register tile, and im2col's copies are small: [64,1,28,28] -> 16 took 1.3 to 1.5 ms on
// this path against 0.8 to 1.1 through im2col (alternating the two binaries), so such
// convolutions (a first layer, depthwise ones) keep im2col.
// Small planes keep im2col too: the wide lines' extra columns cost more than the copies
// saved. The digits CNN's 16 -> 32 convolution on 4 x 4 planes (22 wide columns for 16
// pixels) made its step 0.42-0.49 -> 0.51-0.53 ms; at 14 x 14 (222 for 196) the layer
// row's step fell from 5.6-6.2 to 4.3-4.9 ms. The cut, at most 5 wide columns for 4
// pixels, lies between the two; no shape between them was measured.
// The input gradient's padding must not be negative: padding <= dilation (kernel - 1).
bool implicit_gemm(const Geometry& g) {
  constexpr std::size_t kMinGroupChannels = 4;
  const detail::Window2d& w = g.window;
  if (w.stride != Size2d{1} || g.pointwise() || g.group_channels() < kMinGroupChannels) return false;
  if (w.padding.h > w.dilation.h * (w.kernel.h - 1) || w.padding.w > w.dilation.w * (w.kernel.w - 1)) return false;
  return 4 * input_planes(g).wide_cols() <= 5 * g.pixels();
}

// dy padded so that the stride-1 convolution with the flipped kernel gives H x W.
PaddedPlanes gradient_planes(const Geometry& g) {
  const detail::Window2d& w = g.window;
  const Size2d pad{w.dilation.h * (w.kernel.h - 1) - w.padding.h, w.dilation.w * (w.kernel.w - 1) - w.padding.w};
  return {g.out_channels, g.out.h, g.out.w, pad, w.kernel, w.dilation};
}

// 3x3 kernels at stride 1 and dilation 1 in one group, among those the implicit GEMM
// would take, run as Winograd's F(2x2, 3x3) (ops/kernels/winograd_conv3x3.h). The forward
// of [64,16,14,14] -> 32 took 0.99-1.01 ms that way against 1.34-1.37 on the implicit
// GEMM, its forward and backward 3.14-3.54 against 3.99-4.38 ms (one thread, the two
// binaries alternating). The input gradient is such a convolution with as many input
// channels as the forward has outputs: it goes the same way when those are 4 or more, the
// implicit GEMM's own minimum for the forward's channels (no smaller count was measured on
// this path). The weight gradient stays on the implicit GEMM, whose sums never read a
// wrapped field. Shapes outside the implicit GEMM's (fewer channels, small planes) were
// not measured this way and keep their paths.
bool winograd_forward(const Geometry& g) {
  const detail::Window2d& w = g.window;
  return implicit_gemm(g) && g.groups == 1 && w.kernel == Size2d{3} && w.dilation == Size2d{1};
}

bool winograd_input_grad(const Geometry& g) {
  constexpr std::size_t kMinChannels = 4;
  return winograd_forward(g) && g.out_channels >= kMinChannels;
}

// The forward as a Winograd convolution, and the input gradient as one (dy padded by
// 2 - padding, the weight flipped and transposed).
detail::Winograd3x3 winograd_of_forward(const Geometry& g) {
  return {g.images, g.channels, g.out_channels, g.height, g.width, g.window.padding};
}

detail::Winograd3x3 winograd_of_input_grad(const Geometry& g) {
  const Size2d p = g.window.padding;
  return {g.images, g.out_channels, g.channels, g.out.h, g.out.w, {2 - p.h, 2 - p.w}, true};
}

// dst = src (channels of height x width) with `pad` zeros around each plane. The lines
// are short, so these stay plain loops, as im2col's (the attribute keeps GCC from making
// calls to memset and memmove of them: perf put those calls at about 5% of the
// [64,16,14,14] -> 32 step, memset 2.7% and memmove 5.1% less the benchmark's own 2.5%).
template <Real T>
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void pad_planes(const PaddedPlanes& p, const T* src,
                                                                              T* dst) {
  const std::size_t wp = p.padded_width();
  for (std::size_t c = 0; c < p.channels; ++c) {
    T* plane = dst + c * p.plane();
    const T* in = src + c * p.height * p.width;
    for (std::size_t i = 0; i < p.pad.h * wp; ++i) plane[i] = T{0};
    for (std::size_t i = 0; i < p.height; ++i) {
      T* line = plane + (p.pad.h + i) * wp;
      for (std::size_t j = 0; j < p.pad.w; ++j) line[j] = T{0};
      detail::copy_line(in + i * p.width, p.width, line + p.pad.w);
      for (std::size_t j = p.pad.w + p.width; j < wp; ++j) line[j] = T{0};
    }
    for (std::size_t i = (p.pad.h + p.height) * wp; i < p.plane(); ++i) plane[i] = T{0};
  }
}

// out[r, oh, ow] (=|+=) wide[r, oh Wp + ow] for `rows` rows of wide output.
template <Real T>
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void unwiden(const PaddedPlanes& p, std::size_t rows,
                                                                           const T* wide, T* out, bool accumulate) {
  const Size2d o = p.out();
  const std::size_t wp = p.padded_width(), cols = p.wide_cols();
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < o.h; ++i) {
      const T* __restrict from = wide + r * cols + i * wp;
      T* __restrict to = out + (r * o.h + i) * o.w;
      if (accumulate) {
        for (std::size_t j = 0; j < o.w; ++j) to[j] += from[j];
      } else {
        detail::copy_line(from, o.w, to);
      }
    }
  }
}

// gemm_gathered's offset tables, the calling thread's (kept between calls, so a steady
// step allocates nothing); the parallel parts only read them.
enum class Table : std::size_t { weight_rows, depths, input_shifts, gradient_shifts, pixels, gradient_rows, count };

std::size_t* table(Table slot, std::size_t count) {
  thread_local std::array<std::vector<std::size_t>, static_cast<std::size_t>(Table::count)> tables;
  std::vector<std::size_t>& t = tables[static_cast<std::size_t>(slot)];
  t.resize(count);
  return t.data();
}

// table[i] = i * step, for i < count.
std::size_t* strided_table(Table slot, std::size_t count, std::size_t step) {
  std::size_t* t = table(slot, count);
  for (std::size_t i = 0; i < count; ++i) t[i] = i * step;
  return t;
}

// The shift of every column-matrix row (channel, ki, kj) of `channels` padded planes.
std::size_t* shift_table(Table slot, const PaddedPlanes& p, std::size_t channels) {
  const std::size_t kh = p.kernel.h, kw = p.kernel.w;
  std::size_t* t = table(slot, channels * kh * kw);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t ki = 0; ki < kh; ++ki)
      for (std::size_t kj = 0; kj < kw; ++kj)
        t[(c * kh + ki) * kw + kj] = c * p.plane() + ki * p.dilation.h * p.padded_width() + kj * p.dilation.w;
  return t;
}

// Where valid output pixel i (oh Wo + ow) sits in the wide layout: oh Wp + ow.
std::size_t* pixel_table(const PaddedPlanes& p) {
  const Size2d o = p.out();
  std::size_t* t = table(Table::pixels, o.h * o.w);
  for (std::size_t i = 0; i < o.h; ++i)
    for (std::size_t j = 0; j < o.w; ++j) t[i * o.w + j] = i * p.padded_width() + j;
  return t;
}

// The forward of the implicit path: y_n = W · shifted planes of pad(x_n) (+ bias), per
// group, wide, then copied down. `kept` (when the weight needs a gradient) holds every
// image's padded planes for the backward.
template <Real T>
void implicit_forward(const Geometry& g, const T* x, const T* weight, const T* bias, T* y, T* kept) {
  const PaddedPlanes planes = input_planes(g);
  const std::size_t og = g.group_out_channels(), kg = g.group_rows(), cols = planes.wide_cols();
  const std::size_t* weight_rows = strided_table(Table::weight_rows, og, kg);
  const std::size_t* depths = strided_table(Table::depths, kg, 1);
  const std::size_t* shifts = shift_table(Table::input_shifts, planes, g.group_channels());
  auto image = [&](std::size_t n) {
    T* padded = kept != nullptr ? kept + n * planes.size() : scratch<T>(Scratch::padded, planes.size());
    pad_planes(planes, x + n * g.image_size(), padded);
    T* wide = scratch<T>(Scratch::wide, g.out_channels * cols);
    for (std::size_t group = 0; group < g.groups; ++group) {
      gemm_gathered<T>({.rows = og, .cols = cols, .depth = kg,
                        .x = weight + group * og * kg, .x_rows = weight_rows, .x_depths = depths,
                        .y = padded + group * g.group_channels() * planes.plane(), .y_depths = shifts,
                        .c = wide + group * og * cols, .ldc = cols,
                        .row_bias = bias != nullptr ? bias + group * og : nullptr});
    }
    unwiden(planes, g.out_channels, wide, y + n * g.out_channels * g.pixels(), false);
  };
  tbb::this_task_arena::isolate([&] { for_each_index(g.images, images_in_parallel(g), image); });
}

// The backward's operands of the implicit path that depend on the geometry and the
// weight only, made once per call by the calling thread: the offset tables, and the weight
// flipped in space and transposed in channels, [group, C/groups, O/groups, kh, kw].
template <Real T>
struct ImplicitOperands {
  PaddedPlanes input, gradient;
  // dW: rows at the input's shifts, depth over the valid pixels, dyᵀ's rows.
  const std::size_t *input_shifts = nullptr, *pixels = nullptr, *gradient_rows = nullptr;
  // dx: the flipped weight's rows, its depth, the padded gradient's shifts.
  const std::size_t *weight_rows = nullptr, *depths = nullptr, *gradient_shifts = nullptr;
  const T* flipped = nullptr;

  ImplicitOperands(const Geometry& g, const T* weight, bool weight_grad, bool input_grad)
      : input(input_planes(g)), gradient(gradient_planes(g)) {
    const std::size_t og = g.group_out_channels(), cg = g.group_channels();
    const std::size_t taps = g.window.kernel.h * g.window.kernel.w;
    if (weight_grad) {
      input_shifts = shift_table(Table::input_shifts, input, cg);
      pixels = pixel_table(input);
      gradient_rows = strided_table(Table::gradient_rows, g.pixels(), og);
    }
    if (!input_grad) return;
    weight_rows = strided_table(Table::weight_rows, cg, og * taps);
    depths = strided_table(Table::depths, og * taps, 1);
    gradient_shifts = shift_table(Table::gradient_shifts, gradient, og);
    T* f = scratch<T>(Scratch::flipped_weight, g.out_channels * cg * taps);
    for (std::size_t group = 0; group < g.groups; ++group)
      for (std::size_t c = 0; c < cg; ++c)
        for (std::size_t o = 0; o < og; ++o)
          for (std::size_t t = 0; t < taps; ++t)  // tap (ki, kj) -> (kh - 1 - ki, kw - 1 - kj)
            f[((group * cg + c) * og + o) * taps + t] = weight[((group * og + o) * cg + c) * taps + (taps - 1 - t)];
    flipped = f;
  }
};

// For the images [first, last) on the implicit path: their share of dWᵀ (summed in image
// order into dw_partial, when not null) and their dx. `kept` holds the forward's padded
// input planes.
template <Real T>
void implicit_backward_images(const Geometry& g, const ImplicitOperands<T>& op, const T* dy, const T* kept,
                              std::size_t first, std::size_t last, T* dw_partial, GradOut<T> dx) {
  const std::size_t og = g.group_out_channels(), cg = g.group_channels(), kg = g.group_rows();
  const std::size_t pixels = g.pixels(), taps = g.window.kernel.h * g.window.kernel.w;
  const auto& kernels = detail::active_gemm_kernels<T>();
  for (std::size_t n = first; n < last; ++n) {
    const T* dy_n = dy + n * g.out_channels * pixels;
    if (dw_partial != nullptr) {
      const T* padded = kept + n * op.input.size();
      T* dy_t = scratch<T>(Scratch::transposed_grad, pixels * og);
      for (std::size_t group = 0; group < g.groups; ++group) {
        kernels.transpose(dy_n + group * og * pixels, pixels, og, pixels, dy_t);
        gemm_gathered<T>({.rows = kg, .cols = og, .depth = pixels,
                          .x = padded + group * cg * op.input.plane(), .x_rows = op.input_shifts,
                          .x_depths = op.pixels, .y = dy_t, .y_depths = op.gradient_rows,
                          .c = dw_partial + group * og * kg, .ldc = og, .accumulate = n > first});
      }
    }
    if (!dx) continue;
    T* padded_grad = scratch<T>(Scratch::padded_grad, op.gradient.size());
    pad_planes(op.gradient, dy_n, padded_grad);
    const std::size_t cols = op.gradient.wide_cols();
    T* wide = scratch<T>(Scratch::wide, g.channels * cols);
    for (std::size_t group = 0; group < g.groups; ++group) {
      gemm_gathered<T>({.rows = cg, .cols = cols, .depth = og * taps,
                        .x = op.flipped + group * cg * og * taps, .x_rows = op.weight_rows, .x_depths = op.depths,
                        .y = padded_grad + group * og * op.gradient.plane(), .y_depths = op.gradient_shifts,
                        .c = wide + group * cg * cols, .ldc = cols});
    }
    unwiden(op.gradient, g.channels, wide, dx.tensor->data() + n * g.image_size(), dx.accumulate);
  }
}

// One image's column matrix: x_n itself for a pointwise kernel, otherwise built into
// `buffer` (a thread's scratch, so it stays in that core's cache for the products).
template <Real T>
const T* columns_of(const Geometry& g, const T* x, std::size_t image, T* buffer) {
  const T* x_n = x + image * g.image_size();
  if (g.pointwise()) return x_n;
  im2col(g, x_n, buffer);
  return buffer;
}

// The forward keeps the columns for the weight gradient's products, which read them all:
// building them once saves the backward's im2col (perf put both passes' im2col at about a
// quarter of the [64,16,14,14] -> 32 step; keeping them measured about 4% faster, since
// the backward now reads them from memory), for the memory of 9x the input.
// On the implicit path (implicit_gemm) what is kept is the padded input, about 1.3x the
// input for a 3x3 "same" kernel on 14 x 14 planes.
template <Real T>
bool keeps_columns(const Graph<T>& graph, const Node<T>& node, const Geometry& g) {
  return !g.pointwise() && graph.node(node.inputs[1]).requires_grad;
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Tensor<T>& weight = graph.value(node.inputs[1]);
  const T* bias = node.inputs.size() > 2 ? graph.value(node.inputs[2]).data() : nullptr;
  const Geometry g = describe(x.shape(), weight.shape(), node.params);
  const std::size_t og = g.group_out_channels(), kg = g.group_rows(), pixels = g.pixels();
  T* y = node.value.data();
  T* kept = nullptr;
  if (implicit_gemm(g)) {
    const PaddedPlanes planes = input_planes(g);
    if (keeps_columns(graph, node, g)) {
      node.saved.resize(Shape{g.images, g.channels, planes.padded_height(), planes.padded_width()});
      kept = node.saved.data();
    }
    if (!winograd_forward(g)) {
      implicit_forward(g, x.data(), weight.data(), bias, y, kept);
      return;
    }
    tbb::this_task_arena::isolate([&] {
      if (kept != nullptr)  // the weight gradient's operand
        for_each_index(g.images, images_in_parallel(g), [&](std::size_t n) {
          pad_planes(planes, x.data() + n * g.image_size(), kept + n * planes.size());
        });
      detail::winograd_conv3x3(winograd_of_forward(g), x.data(), weight.data(), bias, y, false);
    });
    return;
  }
  if (keeps_columns(graph, node, g)) {
    node.saved.resize(Shape{g.images, g.col_rows(), pixels});
    kept = node.saved.data();
  }
  auto image = [&](std::size_t n) {
    T* buffer = g.pointwise() ? nullptr
                : kept != nullptr ? kept + n * g.col_size()
                                  : scratch<T>(Scratch::columns, g.col_size());
    const T* col = columns_of(g, x.data(), n, buffer);
    T* out = y + n * g.out_channels * pixels;
    if (bias != nullptr)
      for (std::size_t o = 0; o < g.out_channels; ++o) std::fill_n(out + o * pixels, pixels, bias[o]);
    for (std::size_t group = 0; group < g.groups; ++group) {
      gemm<T>({og, pixels, kg}, {.a = weight.data() + group * og * kg, .lda = kg,
                                 .b = col + group * kg * pixels, .ldb = pixels,
                                 .c = out + group * og * pixels, .ldc = pixels, .accumulate = bias != nullptr});
    }
  };
  tbb::this_task_arena::isolate([&] { for_each_index(g.images, images_in_parallel(g), image); });
}

// The sum of `count` values in a fixed order: kLanes interleaved partial sums (which the
// compiler vectorizes, where one running sum would be a chain of dependent adds), then
// those added in order.
template <Real T>
T fixed_order_sum(const T* v, std::size_t count) {
  constexpr std::size_t kLanes = 16;
  T lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) lanes[l] += v[i + l];
  for (std::size_t l = 0; i < count; ++i, ++l) lanes[l] += v[i];
  T sum{0};
  for (T lane : lanes) sum += lane;
  return sum;
}

// db[o] = Σ_n Σ_pixel dy[n, o, pixel], image by image.
template <Real T>
void bias_grad(const Geometry& g, const T* dy, GradOut<T> db) {
  const std::size_t pixels = g.pixels();
  detail::write_grad(db, [&](std::size_t o) {
    T sum{0};
    for (std::size_t n = 0; n < g.images; ++n) sum += fixed_order_sum(dy + (n * g.out_channels + o) * pixels, pixels);
    return sum;
  });
}

// For the images [first, last): their share of dW, transposed (summed in image order into
// `dw_partial`, when not null; see weight_grad_at) and their dx (dx_n = col2im(Wᵀ · dy_n), or for a pointwise kernel Wᵀ · dy_n
// written into dx_n directly). The columns are the forward's (`kept`) when it kept them,
// otherwise rebuilt from x.
template <Real T>
void backward_images(const Geometry& g, const T* dy, const T* x, const T* kept, const T* weight,
                     std::size_t first, std::size_t last, T* dw_partial, GradOut<T> dx) {
  const std::size_t og = g.group_out_channels(), kg = g.group_rows(), pixels = g.pixels();
  const T* masks = dx && !g.pointwise() && rows_are_shifted_planes(g) ? padding_masks<T>(g) : nullptr;
  for (std::size_t n = first; n < last; ++n) {
    const T* dy_n = dy + n * g.out_channels * pixels;
    if (dw_partial != nullptr) {
      const T* col = kept != nullptr ? kept + n * g.col_size()
                                     : columns_of(g, x, n, g.pointwise() ? nullptr : scratch<T>(Scratch::columns, g.col_size()));
      for (std::size_t group = 0; group < g.groups; ++group) {
        gemm<T>({kg, og, pixels}, {.a = col + group * kg * pixels, .lda = pixels,
                                   .b = dy_n + group * og * pixels, .ldb = pixels, .transpose_b = true,
                                   .c = dw_partial + group * og * kg, .ldc = og, .accumulate = n > first});
      }
    }
    if (!dx) continue;
    T* dx_n = dx.tensor->data() + n * g.image_size();
    T* dcol = g.pointwise() ? dx_n : scratch<T>(Scratch::column_grad, g.col_size());
    for (std::size_t group = 0; group < g.groups; ++group) {
      gemm<T>({kg, pixels, og}, {.a = weight + group * og * kg, .lda = kg, .transpose_a = true,
                                 .b = dy_n + group * og * pixels, .ldb = pixels,
                                 .c = dcol + group * kg * pixels, .ldc = pixels,
                                 .accumulate = g.pointwise() && dx.accumulate});
    }
    if (g.pointwise()) continue;
    if (!dx.accumulate) std::fill_n(dx_n, g.image_size(), T{0});
    col2im_add(g, dcol, dx_n, masks);
  }
}

// The partials hold each group's dW transposed, [C/groups kh kw, O/groups]: the product
// col_n · dy_nᵀ then stores rows of vectors, where dy_n · col_nᵀ (which the direct GEMM
// runs transposed) wrote its output a lane at a time through scalar stores (perf of the
// [64,16,14,14] -> 32 step: that product ran at half the speed of the forward's).
// Sums the partials in chunk order into the first, then writes it back in the weight's
// layout, [group, o, r] from [group, r, o].
template <Real T>
void write_weight_grad(const Geometry& g, T* partials, std::size_t chunks, std::size_t size, GradOut<T> dw) {
  for (std::size_t c = 1; c < chunks; ++c)
    for (std::size_t i = 0; i < size; ++i) partials[i] += partials[c * size + i];
  const std::size_t og = g.group_out_channels(), kg = g.group_rows();
  T* out = dw.tensor->data();
  for (std::size_t group = 0; group < g.groups; ++group) {
    const T* block = partials + group * og * kg;
    for (std::size_t o = 0; o < og; ++o) {
      T* row = out + (group * og + o) * kg;
      for (std::size_t r = 0; r < kg; ++r) row[r] = dw.accumulate ? row[r] + block[r * og + o] : block[r * og + o];
    }
  }
}

// Images are cut into a fixed number of chunks (weight_grad_chunks); each chunk's dW share
// is summed in image order into its own partial, and the partials are added in chunk
// order, so dW does not depend on the thread count. dx is written before dW is asked for,
// as the graph's rule for gradients wants (x and weight may be one Var).
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Tensor<T>& weight = graph.value(node.inputs[1]);
  const Geometry g = describe(x.shape(), weight.shape(), node.params);
  const T* dy = node.output_grad().data();
  tbb::this_task_arena::isolate([&] {
    if (node.inputs.size() > 2) {
      if (GradOut<T> db = graph.grad_out(node.inputs[2])) bias_grad(g, dy, db);
    }
    const bool weight_needs_grad = graph.node(node.inputs[1]).requires_grad;
    const std::size_t chunks = weight_grad_chunks(g), size = weight.size();
    T* partials = weight_needs_grad && g.images > 0 ? scratch<T>(Scratch::weight_partials, chunks * size) : nullptr;
    const GradOut<T> dx = graph.grad_out(node.inputs[0]);
    const T* kept = keeps_columns(graph, node, g) ? node.saved.data() : nullptr;
    const auto chunk_start = [&](std::size_t c) { return c * g.images / chunks; };
    if (implicit_gemm(g) && (partials != nullptr || dx)) {
      GradOut<T> implicit_dx = dx;
      if (dx && winograd_input_grad(g)) {
        detail::winograd_conv3x3(winograd_of_input_grad(g), dy, weight.data(), static_cast<const T*>(nullptr),
                                 dx.tensor->data(), dx.accumulate);
        implicit_dx = {};
      }
      if (partials != nullptr || implicit_dx) {
        const ImplicitOperands<T> operands(g, weight.data(), partials != nullptr, static_cast<bool>(implicit_dx));
        for_each_index(chunks, chunks > 1, [&](std::size_t c) {
          implicit_backward_images(g, operands, dy, kept, chunk_start(c), chunk_start(c + 1),
                                   partials == nullptr ? nullptr : partials + c * size, implicit_dx);
        });
      }
    } else if (partials != nullptr || dx) {
      for_each_index(chunks, chunks > 1, [&](std::size_t c) {
        backward_images(g, dy, x.data(), kept, weight.data(), chunk_start(c), chunk_start(c + 1),
                        partials == nullptr ? nullptr : partials + c * size, dx);
      });
    }
    if (GradOut<T> dw = graph.grad_out(node.inputs[1])) {
      if (partials == nullptr) {  // an empty batch
        detail::write_grad(dw, [](std::size_t) { return T{0}; });
      } else {
        write_weight_grad(g, partials, chunks, size, dw);
      }
    }
  });
}

}  // namespace

template <Real T>
const OpInfo<T>& conv2d_op() {
  static constexpr OpInfo<T> info{"Conv2d", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> conv2d(Var<T> x, Var<T> weight, Var<T> bias, const Conv2dFuncOptions& options, std::source_location where) {
  constexpr std::string_view op = "Conv2d";
  Graph<T>& graph = detail::graph_of(op, x, weight);
  const bool has_bias = bias.graph() != nullptr;
  if (has_bias) graph.check(bias, op);
  const Shape& xs = graph.value(x.index()).shape();
  const Shape& ws = graph.value(weight.index()).shape();
  detail::check_nchw(op, xs);
  if (ws.rank() != 4) throw ShapeError(fmt::format("{}: expected weight [O,C/groups,kh,kw], got {}", op, ws));
  detail::check_positive(op, "stride", options.stride);
  detail::check_positive(op, "dilation", options.dilation);
  const std::size_t groups = options.groups;
  if (groups == 0) throw ValueError(fmt::format("{}: groups must be positive, got 0", op));
  if (ws[0] % groups != 0)
    throw ShapeError(fmt::format("{}: groups {} must divide the weight's {} output channels (weight {})", op, groups,
                                 ws[0], ws));
  if (xs[1] != ws[1] * groups) {
    if (groups == 1)
      throw ShapeError(fmt::format("{}: expected input [N,{},H,W], got {} (weight {})", op, ws[1], xs, ws));
    throw ShapeError(fmt::format("{}: expected input [N,{},H,W] ({} groups of {} channels), got {} (weight {})", op,
                                 ws[1] * groups, groups, ws[1], xs, ws));
  }
  if (ws[2] == 0 || ws[3] == 0) throw ShapeError(fmt::format("{}: the kernel of weight {} is empty", op, ws));
  if (has_bias) {
    const Shape& bs = graph.value(bias.index()).shape();
    if (bs.rank() != 1 || bs[0] != ws[0])
      throw ShapeError(fmt::format("{}: expected bias [{}] for weight {}, got {}", op, ws[0], ws, bs));
  }
  const detail::Window2d window{{ws[2], ws[3]}, options.stride, options.padding, options.dilation};
  const Size2d out = detail::checked_output(op, xs, window);
  Node<T>& node = has_bias ? graph.begin(conv2d_op<T>(), {x, weight, bias}, Shape{xs[0], ws[0], out.h, out.w}, where)
                           : graph.begin(conv2d_op<T>(), {x, weight}, Shape{xs[0], ws[0], out.h, out.w}, where);
  store_params(window, groups, node.params);
  return graph.finish(node);
}

namespace detail {
Conv2dWinogradUse conv2d_winograd_use(const Shape& x, const Shape& weight, const Conv2dFuncOptions& options) {
  OpParams params;
  store_params({{weight[2], weight[3]}, options.stride, options.padding, options.dilation}, options.groups, params);
  const Geometry g = describe(x, weight, params);
  return {winograd_forward(g), winograd_input_grad(g)};
}
}  // namespace detail

template Var<float> conv2d(Var<float>, Var<float>, Var<float>, const Conv2dFuncOptions&, std::source_location);
template Var<double> conv2d(Var<double>, Var<double>, Var<double>, const Conv2dFuncOptions&, std::source_location);
template const OpInfo<float>& conv2d_op();
template const OpInfo<double>& conv2d_op();

}  // namespace cgrad
