#pragma once
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// Values of one shape joined along a new axis at `axis`, in [-rank-1, rank] (torch.stack).
// From 1 to kMaxOpInputs values.
template <Real T>
Var<T> stack(std::span<const Var<T>> values, std::int64_t axis,
             std::source_location where = std::source_location::current());
template <Real T>
Var<T> stack(std::initializer_list<Var<T>> values, std::int64_t axis,
             std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& stack_op();

}  // namespace cgrad
