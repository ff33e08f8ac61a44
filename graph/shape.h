#pragma once
// Shape: the dimensions of a tensor, held inline (no heap allocation), rank 0 to kMaxRank.
// Rank 0 is a scalar with one element. Values are row-major and contiguous, so a shape is
// all a tensor needs to locate an element: strides follow from the dimensions.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad {

// DyNet allows 7 dimensions plus a batch; 8 covers that and NCHW with room to spare.
inline constexpr std::size_t kMaxRank = 8;

class Shape {
 public:
  // A scalar: rank 0, one element.
  constexpr Shape() = default;
  Shape(std::initializer_list<std::size_t> dims) { assign(std::span<const std::size_t>(dims.begin(), dims.size())); }
  explicit Shape(std::span<const std::size_t> dims) { assign(dims); }

  std::size_t rank() const { return rank_; }
  std::size_t operator[](std::size_t axis) const { return dims_[axis]; }
  std::size_t& operator[](std::size_t axis) { return dims_[axis]; }
  std::span<const std::size_t> dims() const { return {dims_.data(), rank_}; }

  // The number of elements (1 for a scalar). Overflow is refused where tensors are sized
  // (Tensor::resize), not here: a shape can describe what no tensor may hold.
  std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }
  // The matrix view every 2-D routine uses: cols is the last dimension (1 for a scalar),
  // rows the product of all the others. For a rank-2 shape they are its two dimensions.
  std::size_t cols() const { return rank_ == 0 ? 1 : dims_[rank_ - 1]; }
  std::size_t rows() const {
    std::size_t n = 1;
    for (std::size_t i = 0; i + 1 < rank_; ++i) n *= dims_[i];
    return n;
  }
  // Elements between two consecutive indices of `axis`: the product of the later dims.
  std::size_t stride(std::size_t axis) const {
    std::size_t n = 1;
    for (std::size_t i = axis + 1; i < rank_; ++i) n *= dims_[i];
    return n;
  }

  // Appends a dimension; throws past kMaxRank.
  void push_back(std::size_t dim) {
    if (rank_ == kMaxRank)
      throw ShapeError(fmt::format("Shape: at most {} dimensions are supported", kMaxRank));
    dims_[rank_++] = dim;
  }

  // "[2,3,4]", for test frameworks and streams (fmt has its own formatter below).
  friend std::ostream& operator<<(std::ostream& out, const Shape& s) {
    out << '[';
    for (std::size_t i = 0; i < s.rank_; ++i) out << (i == 0 ? "" : ",") << s.dims_[i];
    return out << ']';
  }

  // A plain loop, not std::equal: that becomes a memcmp call, which dominated the cost of
  // recording a tiny op (BM_OpOverhead).
  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (std::size_t i = 0; i < a.rank_; ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }

 private:
  void assign(std::span<const std::size_t> dims) {
    if (dims.size() > kMaxRank)
      throw ShapeError(fmt::format("Shape: {} dimensions given; at most {} are supported", dims.size(), kMaxRank));
    rank_ = static_cast<std::uint8_t>(dims.size());
    std::copy(dims.begin(), dims.end(), dims_.begin());
  }

  std::array<std::size_t, kMaxRank> dims_{};
  std::uint8_t rank_ = 0;
};

// An axis argument as users write it (negative counts from the end) made an index into a
// shape of `rank`; throws ShapeError naming the op when it is out of range.
std::size_t normalize_axis(std::string_view op, std::int64_t axis, std::size_t rank);

// The multi-index of the row-major element `flat` of `shape`, as "[1,0,2]" (for messages).
std::string index_of(const Shape& shape, std::size_t flat);

}  // namespace cgrad

// "[2,3,4]"; a scalar is "[]".
template <>
struct fmt::formatter<cgrad::Shape> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const cgrad::Shape& s, Context& ctx) const {
    auto out = fmt::format_to(ctx.out(), "[");
    for (std::size_t i = 0; i < s.rank(); ++i) out = fmt::format_to(out, "{}{}", i == 0 ? "" : ",", s[i]);
    return fmt::format_to(out, "]");
  }
};
