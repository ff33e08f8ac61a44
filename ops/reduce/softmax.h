#pragma once
#include <cstdint>
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// exp(x) / sum(exp(x)) along `axis` (negative from the end), stable (x - max first). A NaN
// in a slice makes the whole slice NaN. Backward reads only the output.
template <Real T>
Var<T> softmax(Var<T> x, std::int64_t axis, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& softmax_op();

}  // namespace cgrad
