#pragma once
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// The same elements in row-major order under another shape; one entry may be -1, inferred
// from the others (torch.reshape). Values are contiguous, so this copies.
template <Real T>
Var<T> reshape(Var<T> x, std::initializer_list<std::int64_t> shape,
               std::source_location where = std::source_location::current());
template <Real T>
Var<T> reshape(Var<T> x, std::span<const std::int64_t> shape,
               std::source_location where = std::source_location::current());
template <Real T>
Var<T> reshape(Var<T> x, const Shape& shape, std::source_location where = std::source_location::current());

// Axes start_dim..end_dim merged into one (torch.flatten); a scalar becomes [1].
template <Real T>
Var<T> flatten(Var<T> x, std::int64_t start_dim = 0, std::int64_t end_dim = -1,
               std::source_location where = std::source_location::current());
// Every size-1 axis removed.
template <Real T>
Var<T> squeeze(Var<T> x, std::source_location where = std::source_location::current());
// `axis` removed if it has size 1; otherwise x unchanged (as torch.squeeze(x, dim)).
template <Real T>
Var<T> squeeze(Var<T> x, std::int64_t axis, std::source_location where = std::source_location::current());
// A size-1 axis inserted at `axis`, in [-rank-1, rank].
template <Real T>
Var<T> unsqueeze(Var<T> x, std::int64_t axis, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& reshape_op();

}  // namespace cgrad
