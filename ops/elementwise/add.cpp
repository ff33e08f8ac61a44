#include "ops/elementwise/add.h"

#include "ops/elementwise/binary.h"

namespace cgrad {
namespace {

struct AddRule {
  static constexpr std::string_view name = "Add";
  template <class T>
  static T forward(T a, T b) { return a + b; }
  template <class T>
  static T grad_a([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy; }
  template <class T>
  static T grad_b([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy; }
};

}  // namespace

template <Real T>
const OpInfo<T>& add_op() {
  return detail::binary_op_info<T, AddRule>();
}

template <Real T>
Var<T> add(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, AddRule>(a, b, where);
}

template Var<float> add(Var<float>, Var<float>, std::source_location);
template Var<double> add(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& add_op();
template const OpInfo<double>& add_op();

}  // namespace cgrad
