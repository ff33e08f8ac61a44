#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x ** exponent elementwise, a real exponent (torch.pow(Tensor, Scalar)); the exponent
// must be finite. The gradient is exponent * x ** (exponent - 1) * dy, and 0 for exponent 0.
template <Real T>
Var<T> pow(Var<T> x, std::type_identity_t<T> exponent, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& pow_scalar_op();

}  // namespace cgrad
