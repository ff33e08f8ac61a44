#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// 0.5 * lambda * sum(w^2) -> a scalar (rank 0); lambda must be finite and >= 0.
template <Real T>
Var<T> l2_reg(Var<T> w, std::type_identity_t<T> lambda,
              std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& l2_reg_op();

}  // namespace cgrad
