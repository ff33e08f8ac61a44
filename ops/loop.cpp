#include "ops/loop.h"

#include <algorithm>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::detail {

Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const std::size_t rank = std::max(a.rank(), b.rank());
  Shape out;
  for (std::size_t axis = 0; axis < rank; ++axis) {
    // Right-aligned: a missing leading dimension acts as 1.
    const std::size_t da = axis + a.rank() >= rank ? a[axis + a.rank() - rank] : 1;
    const std::size_t db = axis + b.rank() >= rank ? b[axis + b.rank() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::format("{}: cannot broadcast {} with {}", op, a, b));
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  const std::size_t offset = to.rank() - from.rank();
  for (std::size_t axis = 0; axis < from.rank(); ++axis)
    if (from[axis] != 1 && from[axis] != to[axis + offset]) return false;
  return true;
}

Shape reduced_shape(const Shape& shape, const std::array<bool, kMaxRank>& reduced, bool keepdim) {
  Shape out;
  for (std::size_t axis = 0; axis < shape.rank(); ++axis) {
    if (!reduced[axis]) {
      out.push_back(shape[axis]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

}  // namespace cgrad::detail
