#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x where x > 0, negative_slope * x elsewhere (torch.nn.functional.leaky_relu); the slope
// must be finite. At 0 the gradient is negative_slope * dy, as in LibTorch.
template <Real T>
Var<T> leaky_relu(Var<T> x, std::type_identity_t<T> negative_slope = std::type_identity_t<T>(0.01),
                  std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& leaky_relu_op();

}  // namespace cgrad
