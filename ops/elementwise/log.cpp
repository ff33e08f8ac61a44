#include "ops/elementwise/log.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

struct LogRule {
  static constexpr std::string_view name = "Log";
  template <class T>
  static T forward(T x, const OpParams&) {
    return std::log(x);
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams&) {
    return dy / x;
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& log_op() {
  return detail::unary_op_info<T, LogRule>();
}

template <Real T>
Var<T> log(Var<T> x, std::source_location where) {
  return detail::record_unary<T, LogRule>(x, where);
}

template Var<float> log(Var<float>, std::source_location);
template Var<double> log(Var<double>, std::source_location);
template const OpInfo<float>& log_op();
template const OpInfo<double>& log_op();

}  // namespace cgrad
