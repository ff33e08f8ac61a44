#pragma once
// The small model the checkpoint fuzzer loads into and its seed corpus is saved from:
// parameters "a" [2,3] and "b" [1,3], and an Adam optimizer over them.
#include <memory>
#include <vector>

#include "cgrad.h"

namespace cgrad::fuzz {

template <Real T>
struct FuzzModel {
  Parameter<T> a{"a", Tensor<T>::full(2, 3, T(0.5))};
  Parameter<T> b{"b", Tensor<T>::full(1, 3, T(-2))};
  Adam<T> adam{{&a, &b}};
  std::vector<NamedParameter<T>> named() { return {{"a", &a}, {"b", &b}}; }
};

}  // namespace cgrad::fuzz
