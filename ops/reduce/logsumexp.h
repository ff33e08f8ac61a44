#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// log(sum(exp(x))) over axes (an empty list: all), computed stably as m + log(sum(exp(x - m)))
// with m the slice's max. A slice of only -inf (or a size-0 axis) gives -inf, not NaN; a
// +inf gives +inf; a NaN gives NaN. The gradient is softmax(x) along the axes, dy * exp(x - y)
// (NaN for an all -inf slice, as in torch).
template <Real T>
Var<T> logsumexp(Var<T> x, Axes axes, bool keepdim = false,
                 std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& logsumexp_op();

}  // namespace cgrad
