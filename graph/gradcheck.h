#pragma once
// gradcheck: does backward agree with the function it differentiates?
//
// For a function f built from ops (any output shape) and the float64 parameters it reads,
// it back-propagates a fixed random projection r of f's output (r = 1 for a [1,1] output)
// and compares each parameter entry's gradient a with the central difference
//     n = <r, f(p + h) - f(p - h)> / 2h,   h = step * max(1, |p|)
// (the outputs are subtracted before projecting, so a large output adds no rounding noise)
// by the relative error |a - n| / max(|a|, |n|, floor). The floor keeps entries whose true
// gradient is zero (a dead ReLU) from dividing by rounding noise.
// Parameter values and grads are left as they were, also when the function (or backward)
// throws: the exception propagates and the perturbed entry and every grad are restored.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>

#include "graph/graph.h"

namespace cgrad {

// Refused with ValueError: step outside (0, 1), tolerance < 0, floor <= 0, anything
// non-finite; so are an empty parameter list, a null or repeated parameter, and a
// parameter holding NaN or Inf.
struct GradCheckOptions {
  double step = 1e-5;
  double tolerance = 1e-6;
  double floor = 1e-4;
  std::uint64_t seed = 1;  // for the projection r
  // For inputs that sit on a kink (ReLU at 0, a clamp bound, a tie of max), where central
  // differences average two slopes: an entry also passes when its analytic gradient lies
  // between the one-sided differences (f(p) - f(p - h)) / h and (f(p + h) - f(p)) / h,
  // within the tolerance; that is, when it is a subgradient.
  bool accept_subgradient = false;
};

struct GradCheckResult {
  double max_relative_error = 0;  // the worst entry...
  std::string parameter;          // ...is in this parameter,
  std::size_t row = 0;  // in the matrix view (Shape::rows/cols)
  std::size_t col = 0;
  std::string index;    // the entry's multi-index, "[2,17]"
  double analytic = 0;  // where backward said this
  double numeric = 0;   // and central differences this.
  std::size_t entries_checked = 0;
  bool passed = true;  // max_relative_error <= tolerance
  // One line: "worst relative error 3.1e-09 at W[2,17] (analytic 0.0123, numeric 0.0123)".
  std::string summary() const;
};

using GradCheckFunction = std::function<Var<double>(Graph<double>&)>;

GradCheckResult gradcheck(const GradCheckFunction& function, std::span<Parameter<double>* const> parameters,
                          const GradCheckOptions& options = {});

inline GradCheckResult gradcheck(const GradCheckFunction& function,
                                 std::initializer_list<Parameter<double>*> parameters,
                                 const GradCheckOptions& options = {}) {
  return gradcheck(function, std::span<Parameter<double>* const>(parameters.begin(), parameters.size()),
                   options);
}

}  // namespace cgrad
