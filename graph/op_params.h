#pragma once
// OpParams: the arguments an op records besides its inputs (axes, a shape, slice bounds, a
// probability, a scalar factor), held inline in every node as ggml does with op_params,
// so recording an op allocates nothing. Each op gives the slots meaning through its own
// small accessors; the graph never looks inside.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/shape.h"

namespace cgrad {

struct OpParams {
  static constexpr std::size_t kInts = 16;
  static constexpr std::size_t kReals = 4;
  std::array<std::int64_t, kInts> ints{};
  std::array<double, kReals> reals{};  // double even in a float graph: the user's argument, unrounded
  Shape shape;                         // a shape argument (reshape's target, expand's, a reduction's input)

  // A list of axes or sizes stored from ints[first]: its length at ints[first], then the entries.
  // Throws ShapeError naming the op when it does not fit.
  void set_list(std::string_view op, std::size_t first, std::span<const std::int64_t> values) {
    if (first + 1 + values.size() > kInts)
      throw ShapeError(fmt::format("{}: {} entries do not fit the op's parameters (at most {})", op, values.size(),
                                   kInts - first - 1));
    ints[first] = static_cast<std::int64_t>(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) ints[first + 1 + i] = values[i];
  }
  std::span<const std::int64_t> list(std::size_t first) const {
    return {ints.data() + first + 1, static_cast<std::size_t>(ints[first])};
  }
};

}  // namespace cgrad
