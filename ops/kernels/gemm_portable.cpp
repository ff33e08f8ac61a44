// Portable kernels: plain loops over small fixed-size arrays that the compiler may
// vectorize for the baseline ISA. Used on CPUs without AVX2 and forced by tests.
#include <cstddef>

#include "ops/kernels/gemm_kernel_set.h"
#include "ops/kernels/gemm_tiles.h"

namespace {

template <class Scalar, int N>
struct PortableVec {
  using T = Scalar;
  struct Reg {
    T v[N];
  };
  static constexpr int lanes = N;
  static Reg zero() { return Reg{}; }
  static Reg load(const T* p) { return load_part(p, N); }
  static Reg load_part(const T* p, int n) {
    Reg r{};
    for (int l = 0; l < n; ++l) r.v[l] = p[l];
    return r;
  }
  static void store(T* p, Reg a) { store_part(p, a, N); }
  static void store_part(T* p, Reg a, int n) {
    for (int l = 0; l < n; ++l) p[l] = a.v[l];
  }
  // rows[r] lane c -> rows[c] lane r.
  static void transpose(Reg (&rows)[N]) {
    for (int r = 0; r < N; ++r) {
      for (int c = r + 1; c < N; ++c) {
        const T upper = rows[r].v[c];
        rows[r].v[c] = rows[c].v[r];
        rows[c].v[r] = upper;
      }
    }
  }
  static Reg bcast(T x) {
    Reg r;
    for (int l = 0; l < N; ++l) r.v[l] = x;
    return r;
  }
  // Multiply, then add: two roundings, kept apart by the library's -ffp-contract=off
  // (CMakeLists.txt) even when -march allows FMA; GemmPortable.* in tests/test_gemm.cpp
  // checks this bit for bit. The result matches the other ISAs' (whose kernels fuse with
  // explicit FMA intrinsics) only to rounding, which is all gemm promises across ISAs.
  static Reg fma(Reg a, Reg b, Reg c) {
    for (int l = 0; l < N; ++l) c.v[l] += a.v[l] * b.v[l];
    return c;
  }
  static Reg add(Reg a, Reg b) {
    for (int l = 0; l < N; ++l) a.v[l] += b.v[l];
    return a;
  }
  static Reg relu(Reg a) {
    for (int l = 0; l < N; ++l) a.v[l] = cgrad::detail::relu_value(a.v[l]);
    return a;
  }
  static T sum(Reg a) {
    T s = 0;
    for (int l = 0; l < N; ++l) s += a.v[l];
    return s;
  }
};

}  // namespace

namespace cgrad::detail {

template <>
const GemmKernelSet<float>& portable_gemm_kernels<float>() {
  static const auto set = make_gemm_kernel_set<PortableVec<float, 4>, 4, 4>(GemmIsa::portable);
  return set;
}

template <>
const GemmKernelSet<double>& portable_gemm_kernels<double>() {
  static const auto set = make_gemm_kernel_set<PortableVec<double, 2>, 4, 4>(GemmIsa::portable);
  return set;
}

}  // namespace cgrad::detail
