#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// a ** b elementwise, broadcasting (torch.pow(Tensor, Tensor)). The gradient with respect
// to b is y * log(a), defined for a > 0; as in LibTorch it is 0 where a == 0 and b >= 0,
// and the gradient with respect to a is 0 where b == 0.
template <Real T>
Var<T> pow(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& pow_op();

}  // namespace cgrad
