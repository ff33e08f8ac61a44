#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// factor * x, elementwise; the factor must be finite.
template <Real T>
Var<T> scale(Var<T> x, std::type_identity_t<T> factor,
             std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& scale_op();

}  // namespace cgrad
