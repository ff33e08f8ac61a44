#pragma once
// Layers as ops, each with its own backward where a fused one pays: convolution and
// pooling, normalization, recurrent cells, attention. The modules of nn/ compose them.
// Every op of the family is listed in nn_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"

// convolution and pooling
#include "ops/nn/conv2d.h"
#include "ops/nn/max_pool2d.h"
#include "ops/nn/avg_pool2d.h"
#include "ops/nn/adaptive_avg_pool2d.h"

// normalization
#include "ops/nn/batch_norm.h"
#include "ops/nn/layer_norm.h"

// recurrent cells
#include "ops/nn/gru_cell.h"
#include "ops/nn/lstm_cell.h"

// attention
#include "ops/nn/scaled_dot_product_attention.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> nn_ops();

}  // namespace cgrad
