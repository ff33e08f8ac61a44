#pragma once
// What the convolution and pooling ops share: a (height, width) pair that a single number
// also spells (torch's ExpandingArray<2>), the size of a sliding window's output, the NCHW
// check of their input, and keeping their arguments in a node's OpParams.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "graph/error.h"
#include "graph/op_params.h"
#include "graph/shape.h"

namespace cgrad {

// A kernel size, stride, padding or dilation: `2` means 2x2, `{3, 1}` means 3 rows by 1
// column.
struct Size2d {
  std::size_t h = 0;
  std::size_t w = 0;
  constexpr Size2d() = default;
  constexpr Size2d(std::size_t both) : h(both), w(both) {}  // NOLINT: implicit, as torch's `stride=2`
  constexpr Size2d(std::size_t rows, std::size_t cols) : h(rows), w(cols) {}
  friend constexpr bool operator==(Size2d, Size2d) = default;
};

}  // namespace cgrad

template <>
struct fmt::formatter<cgrad::Size2d> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(cgrad::Size2d s, Context& ctx) const {
    return fmt::format_to(ctx.out(), "{}x{}", s.h, s.w);
  }
};

namespace cgrad::detail {

// A run of positions along one axis: [first, last). The pooling ops use it for a window's
// input rows or kernel taps, Conv2d for the outputs whose receptive field stays inside.
struct Span {
  std::size_t first, last;
  std::size_t size() const { return last - first; }
};


// Throws ShapeError unless x is [N,C,H,W]: "MaxPool2d: expected input [N,C,H,W], got [3,4]".
inline void check_nchw(std::string_view op, const Shape& x) {
  if (x.rank() != 4) throw ShapeError(fmt::format("{}: expected input [N,C,H,W], got {}", op, x));
}

// Throws ValueError naming the op when a kernel size, stride or dilation is 0.
inline void check_positive(std::string_view op, std::string_view what, Size2d s) {
  if (s.h == 0 || s.w == 0) throw ValueError(fmt::format("{}: the {} must be positive, got {}", op, what, s));
}

// How many positions a window of `extent` (the dilated kernel) takes along `size` padded by
// `padding` on both sides, moving by `stride`; 0 when it does not fit once.
constexpr std::size_t window_positions(std::size_t size, std::size_t padding, std::size_t extent,
                                       std::size_t stride) {
  const std::size_t padded = size + 2 * padding;
  return padded < extent ? 0 : (padded - extent) / stride + 1;
}

// The geometry of a sliding window over an [N,C,H,W] input, as one node keeps it.
struct Window2d {
  Size2d kernel, stride, padding, dilation{1};
  // The window's extent on the input: (kernel - 1) * dilation + 1.
  Size2d extent() const { return {(kernel.h - 1) * dilation.h + 1, (kernel.w - 1) * dilation.w + 1}; }
  Size2d output(std::size_t height, std::size_t width) const {
    const Size2d e = extent();
    return {window_positions(height, padding.h, e.h, stride.h), window_positions(width, padding.w, e.w, stride.w)};
  }

  // In OpParams slots [first, first + 8).
  void store(OpParams& p, std::size_t first = 0) const {
    const Size2d parts[] = {kernel, stride, padding, dilation};
    for (std::size_t i = 0; i < 4; ++i) {
      p.ints[first + 2 * i] = static_cast<std::int64_t>(parts[i].h);
      p.ints[first + 2 * i + 1] = static_cast<std::int64_t>(parts[i].w);
    }
  }
  static Window2d load(const OpParams& p, std::size_t first = 0) {
    auto at = [&](std::size_t i) {
      return Size2d{static_cast<std::size_t>(p.ints[first + 2 * i]), static_cast<std::size_t>(p.ints[first + 2 * i + 1])};
    };
    return {at(0), at(1), at(2), at(3)};
  }
};

// Throws ShapeError naming the op, the input and the window when the output would be empty.
inline Size2d checked_output(std::string_view op, const Shape& x, const Window2d& w) {
  const Size2d out = w.output(x[2], x[3]);
  if (out.h == 0 || out.w == 0)
    throw ShapeError(fmt::format("{}: the input {} padded by {} is smaller than the window {} (dilation {}); the "
                                 "output would be empty",
                                 op, x, w.padding, w.extent(), w.dilation));
  return out;
}

// The checked window of a pooling op (MaxPool2d, AvgPool2d): x is [N,C,H,W], the kernel,
// stride and dilation are positive (a stride of 0 means the kernel size, torch's default)
// and the padding is at most half the kernel. Throws ShapeError or ValueError naming the op.
inline Window2d pool_window(std::string_view op, const Shape& x, Size2d kernel, Size2d stride, Size2d padding,
                            Size2d dilation = Size2d{1}) {
  check_nchw(op, x);
  check_positive(op, "kernel size", kernel);
  check_positive(op, "dilation", dilation);
  if (stride == Size2d{0}) stride = kernel;
  check_positive(op, "stride", stride);
  if (padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
    throw ValueError(fmt::format("{}: the padding {} must be at most half the kernel {}", op, padding, kernel));
  return {kernel, stride, padding, dilation};
}

// Runs body(first, last) over the [N*C] planes of a pooling op, in parallel blocks when
// the work (element reads) is large enough to pay for the tasks. Each plane is handled by
// one task, so results do not depend on the thread count.
template <class Body>
void for_planes(std::size_t planes, std::size_t work_per_plane, const Body& body) {
  constexpr std::size_t kParallelWork = std::size_t{1} << 16;
  if (planes < 2 || planes * work_per_plane < kParallelWork) {
    body(std::size_t{0}, planes);
    return;
  }
  const std::size_t grain = std::max<std::size_t>(1, kParallelWork / 4 / std::max<std::size_t>(work_per_plane, 1));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, planes, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); },
                    tbb::simple_partitioner());
}

}  // namespace cgrad::detail
