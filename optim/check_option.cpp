#include "optim/check_option.h"

#include <cmath>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::detail {

void check_option(std::string_view who, std::string_view option, double value, Range range) {
  bool inside = std::isfinite(value);
  std::string_view allowed;
  switch (range) {
    case Range::NonNegative:
      inside = inside && value >= 0;
      allowed = "[0, inf)";
      break;
    case Range::Positive:
      inside = inside && value > 0;
      allowed = "(0, inf)";
      break;
    case Range::UnitInterval:
      inside = inside && value >= 0 && value < 1;
      allowed = "[0, 1)";
      break;
  }
  if (!inside)
    throw ValueError(fmt::format("{}: {} = {} is outside the allowed range {}", who, option, value, allowed));
}

}  // namespace cgrad::detail
