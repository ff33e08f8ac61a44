#pragma once
#include <cstdint>
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The axes of x rearranged: output axis i is input axis dims[i] (torch.permute); dims
// names every axis once, negative ones counting from the end. Values are contiguous, so
// this copies.
template <Real T>
Var<T> permute(Var<T> x, Axes dims, std::source_location where = std::source_location::current());
// Axes d0 and d1 swapped (torch.transpose); records Permute.
template <Real T>
Var<T> transpose(Var<T> x, std::int64_t d0, std::int64_t d1,
                 std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& permute_op();

}  // namespace cgrad
