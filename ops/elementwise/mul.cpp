#include "ops/elementwise/mul.h"

#include "ops/elementwise/binary.h"

namespace cgrad {
namespace {

struct MulRule {
  static constexpr std::string_view name = "Mul";
  template <class T>
  static T forward(T a, T b) { return a * b; }
  template <class T>
  static T grad_a([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy * b; }
  template <class T>
  static T grad_b([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy * a; }
};

}  // namespace

template <Real T>
const OpInfo<T>& mul_op() {
  return detail::binary_op_info<T, MulRule>();
}

template <Real T>
Var<T> mul(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, MulRule>(a, b, where);
}

template Var<float> mul(Var<float>, Var<float>, std::source_location);
template Var<double> mul(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& mul_op();
template const OpInfo<double>& mul_op();

}  // namespace cgrad
