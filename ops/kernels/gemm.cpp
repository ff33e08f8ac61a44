// cgrad::gemm: picks the kernels for the CPU and the path for the shape. Products with a
// small dimension, and those of at most 256 rows that detail::direct_suits picks out, go
// straight to vectorized loops over the operands; the rest are packed and run through the
// register-blocked micro-kernel.
#include "ops/kernels/gemm.h"

#include <algorithm>
#include <cstddef>
#include <stdexcept>

#include "ops/kernels/gemm_kernel_set.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/kernels/relu_math.h"

namespace cgrad {
namespace detail {
namespace {

// Packing pays off only once every dimension spans several register tiles (with any
// dimension under 64 the direct loops measured faster: 48^3 about 1.3 us direct, 2.2 us
// packed), and not even then for the shapes direct_suits describes.
template <class T>
bool packing_pays(GemmShape s, bool transpose_a, bool transpose_b, std::size_t lanes) {
  constexpr std::size_t kMinDim = 64;
  if (s.m < kMinDim || s.n < kMinDim || s.k < kMinDim) return false;
  return !direct_suits<T>(s, transpose_a, transpose_b, lanes);
}

}  // namespace

template <class T>
bool gemm_takes_packed_path(GemmShape s, bool transpose_a, bool transpose_b) {
  return packing_pays<T>(s, transpose_a, transpose_b, active_gemm_kernels<T>().lanes);
}

template bool gemm_takes_packed_path<float>(GemmShape, bool, bool);
template bool gemm_takes_packed_path<double>(GemmShape, bool, bool);

}  // namespace detail

template <class T>
void gemm(GemmShape s, const GemmOperands<T>& op) {
  if (op.bias != nullptr && op.accumulate) throw std::invalid_argument("gemm: a bias is only for C = A * B + bias");
  if (op.relu && op.accumulate) throw std::invalid_argument("gemm: relu is only for C = relu(A * B + bias)");
  if (s.m == 0 || s.n == 0) return;
  if (s.k == 0) {
    for (std::size_t i = 0; i < s.m && !op.accumulate; ++i) {
      T* row = op.c + i * op.ldc;
      if (op.bias != nullptr) {
        std::copy_n(op.bias, s.n, row);
        if (op.relu) std::transform(row, row + s.n, row, detail::relu_value<T>);
      } else {
        std::fill_n(row, s.n, T{0});
      }
    }
    return;
  }
  const auto& kernels = detail::active_gemm_kernels<T>();
  if (detail::packing_pays<T>(s, op.transpose_a, op.transpose_b, kernels.lanes)) {
    detail::gemm_packed(s, op, kernels);
  } else {
    detail::gemm_direct(s, op, kernels);
  }
}

template void gemm<float>(GemmShape, const GemmOperands<float>&);
template void gemm<double>(GemmShape, const GemmOperands<double>&);

}  // namespace cgrad
