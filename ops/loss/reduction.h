#pragma once
// Reduction: how a loss combines its per-element terms, as torch's `reduction` argument
// ("none", "mean", "sum"); and what the losses that take it share.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/shape.h"
#include "ops/op_support.h"

namespace cgrad {

enum class Reduction { none, mean, sum };

inline std::string_view reduction_name(Reduction r) {
  switch (r) {
    case Reduction::none: return "none";
    case Reduction::mean: return "mean";
    case Reduction::sum: return "sum";
  }
  return "invalid";
}

namespace detail {

// Throws ValueError naming the op for a value that is none of the three.
inline void check_reduction(std::string_view op, Reduction r) {
  if (r != Reduction::none && r != Reduction::mean && r != Reduction::sum)
    throw ValueError(fmt::format("{}: reduction {} is not none, mean or sum", op, static_cast<int>(r)));
}

// The loss's shape: the terms' shape with none, a scalar (rank 0) otherwise.
inline Shape loss_shape(Reduction r, const Shape& terms) { return r == Reduction::none ? terms : Shape{}; }

// Writes the n terms term(i) (in T) to y[i] with none; otherwise y[0] = their sum, or mean
// (NaN for n == 0, as torch). Sums are taken in double over 8 independent partial sums in
// a fixed order: they pipeline, and the result does not depend on threads.
template <class T, class Term>
void reduce_terms(Reduction r, std::size_t n, T* y, Term term) {
  if (r == Reduction::none) {
    for (std::size_t i = 0; i < n; ++i) y[i] = term(i);
    return;
  }
  constexpr std::size_t kLanes = 8;
  double lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t lane = 0; lane < kLanes; ++lane) lanes[lane] += static_cast<double>(term(i + lane));
  double sum = 0;
  for (; i < n; ++i) sum += static_cast<double>(term(i));
  for (const double lane : lanes) sum += lane;
  y[0] = static_cast<T>(r == Reduction::mean ? sum / static_cast<double>(n) : sum);
}

// out (= or +=) local(i, g) for each of the n terms, where g is d loss / d term i from the
// loss's upstream gradient dy: dy[i] with none, dy[0] with sum, dy[0] / n with mean.
template <Real T, class Local>
void write_term_grads(GradOut<T> out, Reduction r, const T* dy, std::size_t n, Local local) {
  if (r == Reduction::none) {
    write_grad(out, [&](std::size_t i) { return local(i, dy[i]); });
    return;
  }
  const T g = r == Reduction::mean ? dy[0] / static_cast<T>(n) : dy[0];  // n > 0 when there is a term
  write_grad(out, [&](std::size_t i) { return local(i, g); });
}

}  // namespace detail
}  // namespace cgrad
