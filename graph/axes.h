#pragma once
// Axes: the axis arguments of reductions and shape ops, as users write them: one axis
// (`sum(x, 1)`), a list (`sum(x, {0, 2})`), negative axes counting from the end. Held
// inline like Shape, so recording an op allocates nothing.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/shape.h"

namespace cgrad {

class Axes {
 public:
  Axes(std::int64_t axis) : count_(1) { axes_[0] = axis; }  // NOLINT: implicit, as torch's IntArrayRef
  Axes(std::initializer_list<std::int64_t> axes) { assign(std::span<const std::int64_t>(axes.begin(), axes.size())); }
  Axes(std::span<const std::int64_t> axes) { assign(axes); }  // NOLINT

  std::size_t size() const { return count_; }
  std::int64_t operator[](std::size_t i) const { return axes_[i]; }
  std::span<const std::int64_t> span() const { return {axes_.data(), count_}; }

  // Which axes of a value of `rank` these name, after normalising negative ones; throws
  // ShapeError naming the op for an axis out of range or named twice.
  std::array<bool, kMaxRank> mask(std::string_view op, std::size_t rank) const {
    std::array<bool, kMaxRank> marked{};
    for (std::size_t i = 0; i < count_; ++i) {
      const std::size_t axis = normalize_axis(op, axes_[i], rank);
      if (marked[axis]) throw ShapeError(fmt::format("{}: axis {} is named twice", op, axes_[i]));
      marked[axis] = true;
    }
    return marked;
  }

 private:
  void assign(std::span<const std::int64_t> axes) {
    if (axes.size() > kMaxRank)
      throw ShapeError(fmt::format("Axes: {} axes given; a value has at most {}", axes.size(), kMaxRank));
    count_ = axes.size();
    for (std::size_t i = 0; i < count_; ++i) axes_[i] = axes[i];
  }

  std::array<std::int64_t, kMaxRank> axes_{};
  std::size_t count_ = 0;
};

}  // namespace cgrad
