#include "graph/shape.h"

namespace cgrad {

std::size_t normalize_axis(std::string_view op, std::int64_t axis, std::size_t rank) {
  const auto signed_rank = static_cast<std::int64_t>(rank);
  if (axis < -signed_rank || axis >= signed_rank)
    throw ShapeError(fmt::format("{}: axis {} is out of range for a value of rank {} (valid: {} to {})", op, axis,
                                 rank, -signed_rank, signed_rank - 1));
  return static_cast<std::size_t>(axis < 0 ? axis + signed_rank : axis);
}

std::string index_of(const Shape& shape, std::size_t flat) {
  Shape index = shape;
  for (std::size_t axis = shape.rank(); axis-- > 0;) {
    const std::size_t dim = shape[axis] == 0 ? 1 : shape[axis];
    index[axis] = flat % dim;
    flat /= dim;
  }
  return fmt::format("{}", index);
}

}  // namespace cgrad
