#include "ops/elementwise/sub.h"

#include "ops/elementwise/binary.h"

namespace cgrad {
namespace {

struct SubRule {
  static constexpr std::string_view name = "Sub";
  template <class T>
  static T forward(T a, T b) { return a - b; }
  template <class T>
  static T grad_a([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy; }
  template <class T>
  static T grad_b([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return -dy; }
};

}  // namespace

template <Real T>
const OpInfo<T>& sub_op() {
  return detail::binary_op_info<T, SubRule>();
}

template <Real T>
Var<T> sub(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, SubRule>(a, b, where);
}

template Var<float> sub(Var<float>, Var<float>, std::source_location);
template Var<double> sub(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& sub_op();
template const OpInfo<double>& sub_op();

}  // namespace cgrad
