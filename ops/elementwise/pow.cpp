#include "ops/elementwise/pow.h"

#include <cmath>

#include "ops/elementwise/binary.h"
#include "ops/elementwise/scalar_math.h"

namespace cgrad {
namespace {

struct PowRule {
  static constexpr std::string_view name = "Pow";
  template <class T>
  static T forward(T a, T b) {
    return std::pow(a, b);
  }
  template <class T>
  static T grad_a(T a, T b, [[maybe_unused]] T y, T dy) {
    return b == T{0} ? T{0} : dy * b * std::pow(a, b - T{1});
  }
  template <class T>
  static T grad_b(T a, T b, T y, T dy) {
    return a == T{0} && b >= T{0} ? T{0} : dy * y * std::log(a);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& pow_op() {
  return detail::binary_op_info<T, PowRule>();
}

template <Real T>
Var<T> pow(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, PowRule>(a, b, where);
}

template Var<float> pow(Var<float>, Var<float>, std::source_location);
template Var<double> pow(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& pow_op();
template const OpInfo<double>& pow_op();

}  // namespace cgrad
