#pragma once
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// The values joined along an existing axis (torch.cat): every shape equal except along
// `axis`. From 1 to kMaxOpInputs values.
template <Real T>
Var<T> concat(std::span<const Var<T>> values, std::int64_t axis,
              std::source_location where = std::source_location::current());
template <Real T>
Var<T> concat(std::initializer_list<Var<T>> values, std::int64_t axis,
              std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& concat_op();

}  // namespace cgrad
