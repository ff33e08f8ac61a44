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

// The same op under LibTorch's name (torch.nn.functional.cross_entropy with class-index
// targets and the default mean reduction); it records SoftmaxXent.
template <Real T>
inline Var<T> cross_entropy(Var<T> scores, std::span<const std::int32_t> labels,
                            std::source_location where = std::source_location::current()) {
  return softmax_xent(scores, labels, where);
}

template <Real T>
const OpInfo<T>& softmax_xent_op();

}  // namespace cgrad
