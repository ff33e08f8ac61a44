#pragma once
#include <cstdint>
#include <source_location>
#include <span>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// The mean cross-entropy of softmax(scores) against integer labels:
//   scores [m,K], labels: m integers in [0,K)  ->  a scalar (rank 0)
// Numerically stable: each row is shifted by its maximum before exponentiation.
template <Real T>
Var<T> softmax_xent(Var<T> scores, std::span<const std::int32_t> labels,
                    std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& softmax_xent_op();

}  // namespace cgrad
