#pragma once
// Every op of the library, gathered from the families' lists. The gradient-check suite
// walks it, so an op that is listed without sample inputs fails the tests; a test also
// checks that every op file in ops/ is listed (by name), and every listed op has a file.
#include <span>

#include "graph/graph.h"
#include "ops/elementwise/elementwise.h"
#include "ops/index/index.h"
#include "ops/linalg/linalg.h"
#include "ops/loss/loss.h"
#include "ops/nn/nn.h"
#include "ops/operators.h"
#include "ops/reduce/reduce.h"
#include "ops/shape/shape.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> all_ops();

}  // namespace cgrad
