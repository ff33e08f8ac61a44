#pragma once
// What LstmCell and GruCell share: the shape rule of a cell's operands, the gate
// nonlinearities and per-thread scratch for the backward. (The biases' gradients, the
// column sums of the gates' gradient, come from ops/elementwise/column_sums.h.)
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/graph.h"
#include "ops/elementwise/column_sums.h"
#include "ops/elementwise/scalar_math.h"
#include "ops/kernels/vector_math.h"
#include "ops/scratch.h"

namespace cgrad::detail {

struct CellSizes {
  std::size_t batch = 0;   // N
  std::size_t input = 0;   // I
  std::size_t hidden = 0;  // H
};

// Checks a cell's operands against x [N,I], h [N,H], (c [N,H],) w_ih [I,G·H], w_hh [H,G·H],
// b_ih [G·H], b_hh [G·H], with G = `gates` (4 for the LSTM, 3 for the GRU). N and I are
// read from x, H from h. `names` and `shapes` list the operands in the op's argument order;
// those whose name is "c" take the state's shape. A mismatch throws ShapeError naming the
// op, the operand, what was expected and every operand's shape.
inline CellSizes check_cell_shapes(std::string_view op, std::span<const std::string_view> names,
                                   std::span<const Shape> shapes, std::size_t gates) {
  const auto all_shapes = [&] {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
      text += fmt::format("{}{} {}", i == 0 ? "" : ", ", names[i], shapes[i]);
    return text;
  };
  const Shape& x = shapes[0];
  const Shape& h = shapes[1];
  if (x.rank() != 2)
    throw ShapeError(fmt::format("{}: expected x [N,I], got {} (operands: {})", op, x, all_shapes()));
  if (h.rank() != 2 || h[0] != x[0])
    throw ShapeError(fmt::format("{}: expected h [N,H] with N = {} as x's, got {} (operands: {})", op, x[0], h,
                                 all_shapes()));
  CellSizes sizes{x[0], x[1], h[1]};
  const std::size_t width = gates * sizes.hidden;
  for (std::size_t i = 2; i < names.size(); ++i) {
    Shape expected;
    std::string symbolic;
    if (names[i] == "c") {
      expected = Shape{sizes.batch, sizes.hidden}, symbolic = "[N,H]";
    } else if (names[i] == "w_ih") {
      expected = Shape{sizes.input, width}, symbolic = fmt::format("[I,{}H]", gates);
    } else if (names[i] == "w_hh") {
      expected = Shape{sizes.hidden, width}, symbolic = fmt::format("[H,{}H]", gates);
    } else {
      expected = Shape{width}, symbolic = fmt::format("[{}H]", gates);
    }
    if (shapes[i] != expected)
      throw ShapeError(fmt::format("{}: expected {} {} = {} (N={}, I={}, H={}), got {} (operands: {})", op, names[i],
                                   symbolic, expected, sizes.batch, sizes.input, sizes.hidden, shapes[i],
                                   all_shapes()));
  }
  return sizes;
}

// σ(x) without overflow, and tanh: the vectorizable forms for float, libm's tanh for double.
template <Real T>
inline T cell_sigmoid(T x) {
  return stable_sigmoid(x);
}
template <Real T>
inline T cell_tanh(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return tanh_float(x);
  } else {
    return std::tanh(x);
  }
}

// A per-thread buffer for a backward's intermediate (the gates' gradient), shared by the
// cells (see ops/scratch.h); backward runs on the thread that owns the graph, and each
// op uses the buffer only within one call.
struct CellScratch;
template <Real T>
T* cell_scratch(std::size_t count) {
  return op_scratch<CellScratch, T>(count);
}

}  // namespace cgrad::detail
