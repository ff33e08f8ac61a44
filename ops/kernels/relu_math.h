#pragma once
// ReLU's scalar rules, shared by the ReLU op, the GEMM's relu store (Affine's fused
// activation) and AffineReLU's backward, so that the fused and the separate nodes give the
// same bits.
namespace cgrad::detail {

// Written as "x < 0 ? 0 : x", not "x > 0 ? x : 0": a NaN fails every comparison, so this
// form passes it through (as LibTorch does) where the other would turn it into 0 and hide
// it from anomaly mode; -0 stays -0. The vector kernels' V::relu give the same results.
template <class T>
inline T relu_value(T x) {
  return x < T{0} ? T{0} : x;
}

// The gradient from the output y, which is > 0 exactly where the input was: 0 where
// y <= 0, dy where y > 0; a NaN y (from a NaN input) is passed on, a NaN gradient.
template <class T>
inline T relu_grad(T y, T dy) {
  return y <= T{0} ? T{0} : (y == y ? dy : y);
}

}  // namespace cgrad::detail
