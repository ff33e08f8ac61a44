#pragma once
// The arithmetic operators on Vars: a + b, a - b, a * b, a / b, -a, and each binary one
// with a scalar on either side (x * 2, 1 - x, 1 / x).
//
// Anomaly mode names the line that recorded a node, so an operator must record the user's
// line, not this header's. An operator cannot take a defaulted std::source_location, so
// its operands do: Operand converts from a Var with a defaulted location argument, which
// C++ evaluates where the conversion happens, in the user's expression. The operators are
// plain (non-template) functions for float and double, so that the conversion applies;
// ADL finds them through Var's namespace.
#include <source_location>

#include "graph/graph.h"
#include "ops/elementwise/add.h"
#include "ops/elementwise/div.h"
#include "ops/elementwise/mul.h"
#include "ops/elementwise/neg.h"
#include "ops/elementwise/scale.h"
#include "ops/elementwise/sub.h"

namespace cgrad {

template <Real T>
struct Operand {
  // Implicit on purpose: this is how the caller's location is captured.
  Operand(Var<T> v, std::source_location at = std::source_location::current()) : var(v), where(at) {}
  Var<T> var;
  std::source_location where;
};

namespace detail {
// A scalar operand: a rank-0 constant leaf on the Var's graph, recorded at the same line.
template <Real T>
Var<T> constant_like(const Operand<T>& x, T value) {
  if (x.var.graph() == nullptr) throw GraphError("operator: an operand refers to no graph (default-constructed Var)");
  return x.var.graph()->constant(value, x.where);
}
}  // namespace detail

#define CGRAD_DEFINE_OPERATORS(T)                                                                              \
  inline Var<T> operator+(Operand<T> a, Operand<T> b) { return add(a.var, b.var, a.where); }                   \
  inline Var<T> operator-(Operand<T> a, Operand<T> b) { return sub(a.var, b.var, a.where); }                   \
  inline Var<T> operator*(Operand<T> a, Operand<T> b) { return mul(a.var, b.var, a.where); }                   \
  inline Var<T> operator/(Operand<T> a, Operand<T> b) { return div(a.var, b.var, a.where); }                   \
  inline Var<T> operator-(Operand<T> a) { return neg(a.var, a.where); }                                        \
  inline Var<T> operator+(Operand<T> a, T s) { return add(a.var, detail::constant_like(a, s), a.where); }      \
  inline Var<T> operator+(T s, Operand<T> a) { return add(detail::constant_like(a, s), a.var, a.where); }      \
  inline Var<T> operator-(Operand<T> a, T s) { return sub(a.var, detail::constant_like(a, s), a.where); }      \
  inline Var<T> operator-(T s, Operand<T> a) { return sub(detail::constant_like(a, s), a.var, a.where); }      \
  inline Var<T> operator*(Operand<T> a, T s) { return scale(a.var, s, a.where); }                              \
  inline Var<T> operator*(T s, Operand<T> a) { return scale(a.var, s, a.where); }                              \
  inline Var<T> operator/(Operand<T> a, T s) { return div(a.var, detail::constant_like(a, s), a.where); }      \
  inline Var<T> operator/(T s, Operand<T> a) { return div(detail::constant_like(a, s), a.var, a.where); }

CGRAD_DEFINE_OPERATORS(float)
CGRAD_DEFINE_OPERATORS(double)
#undef CGRAD_DEFINE_OPERATORS

}  // namespace cgrad
