#pragma once
// Indexing and selection: index_select, embedding, where, masked_fill; and dropout.
// Every op of the family is listed in index_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"


namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> index_ops();

}  // namespace cgrad
