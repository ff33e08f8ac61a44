#pragma once
// Elementwise ops: unary functions and broadcasting binary arithmetic.
// Every op of the family is listed in elementwise_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/elementwise/add.h"
#include "ops/elementwise/sub.h"
#include "ops/elementwise/mul.h"
#include "ops/elementwise/div.h"
#include "ops/elementwise/neg.h"
#include "ops/elementwise/scale.h"
#include "ops/elementwise/relu.h"
#include "ops/elementwise/add_bias.h"
#include "ops/elementwise/pow.h"
#include "ops/elementwise/maximum.h"
#include "ops/elementwise/minimum.h"
#include "ops/elementwise/exp.h"
#include "ops/elementwise/log.h"
#include "ops/elementwise/sqrt.h"
#include "ops/elementwise/abs.h"
#include "ops/elementwise/tanh.h"
#include "ops/elementwise/sigmoid.h"
#include "ops/elementwise/leaky_relu.h"
#include "ops/elementwise/gelu.h"
#include "ops/elementwise/softplus.h"
#include "ops/elementwise/clamp.h"
#include "ops/elementwise/pow_scalar.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> elementwise_ops();

}  // namespace cgrad
