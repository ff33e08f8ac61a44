#pragma once
// Indexing and selection: index_select, embedding, where, masked_fill; and dropout.
// Every op of the family is listed in index_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/index/index_select.h"
#include "ops/index/embedding.h"
#include "ops/index/where.h"
#include "ops/index/masked_fill.h"
#include "ops/index/dropout.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> index_ops();

}  // namespace cgrad
