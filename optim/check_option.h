#pragma once
// The one validation helper every optimizer and schedule uses, so each refusal reads the
// same way: "<who>: <option> = <value> is outside <range>".
#include <string_view>

namespace cgrad::detail {

enum class Range {
  NonNegative,   // [0, inf): learning rates, weight decay
  Positive,      // (0, inf): epsilons, decay factors
  UnitInterval,  // [0, 1): momentum, betas, decay rates
};

// Throws ValueError unless `value` is finite and inside `range`.
void check_option(std::string_view who, std::string_view option, double value, Range range);

}  // namespace cgrad::detail
