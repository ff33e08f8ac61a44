#pragma once
#include <cstdint>
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// x - logsumexp(x) along `axis` (negative from the end), stable: (x - max) - log(sum(exp(x - max))).
// A NaN in a slice makes the whole slice NaN. Backward reads only the output.
template <Real T>
Var<T> log_softmax(Var<T> x, std::int64_t axis, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& log_softmax_op();

}  // namespace cgrad
