#pragma once
// Layers as ops, each with its own backward where a fused one pays: convolution and
// pooling, normalization, recurrent cells, attention. The modules of nn/ compose them.
// Every op of the family is listed in nn_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"

// convolution and pooling

// normalization

// recurrent cells

// attention
#include "ops/nn/scaled_dot_product_attention.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> nn_ops();

}  // namespace cgrad
