#pragma once
// Every op of the library, in one list. The gradient-check suite walks it, so an op that
// is added here without a gradient-check case fails the tests; a test also checks that
// every op file in ops/ is listed here.
#include <array>

#include "ops/add.h"
#include "ops/add_bias.h"
#include "ops/l2_reg.h"
#include "ops/matmul.h"
#include "ops/relu.h"
#include "ops/scale.h"
#include "ops/softmax_xent.h"

namespace cgrad {

template <Real T>
std::array<const OpInfo<T>*, 7> all_ops() {
  return {&matmul_op<T>(), &add_bias_op<T>(), &relu_op<T>(), &softmax_xent_op<T>(),
          &l2_reg_op<T>(), &add_op<T>(),      &scale_op<T>()};
}

}  // namespace cgrad
