#pragma once
// Which of its paths Conv2d takes for a shape (the choice is made in conv2d.cpp): for the
// tests, which assert that their cases reach the path they mean to test.
#include "graph/shape.h"
#include "ops/nn/conv2d.h"

namespace cgrad::detail {

// Whether the forward, and the input gradient, of x * weight run as Winograd's
// F(2x2, 3x3) (ops/kernels/winograd_conv3x3.h).
struct Conv2dWinogradUse {
  bool forward, input_grad;
};
Conv2dWinogradUse conv2d_winograd_use(const Shape& x, const Shape& weight, const Conv2dFuncOptions& options);

}  // namespace cgrad::detail
