// Run-time choice of the GEMM kernels' instruction set.
#include "ops/kernels/gemm_dispatch.h"

#include <atomic>

#include "graph/error.h"
#include "ops/kernels/gemm_kernel_set.h"

namespace cgrad::detail {
namespace {

GemmIsa best_supported_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("fma")) {
    return GemmIsa::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GemmIsa::avx2;
  return GemmIsa::portable;
}

GemmIsa detected_isa() {
  static const GemmIsa isa = best_supported_isa();
  return isa;
}

std::atomic<GemmIsa> forced_isa{GemmIsa::automatic};

}  // namespace

bool gemm_isa_supported(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::automatic:
    case GemmIsa::portable: return true;
    case GemmIsa::avx2: return detected_isa() != GemmIsa::portable;
    case GemmIsa::avx512: return detected_isa() == GemmIsa::avx512;
  }
  return false;
}

void set_gemm_isa(GemmIsa isa) {
  if (!gemm_isa_supported(isa)) throw ValueError("set_gemm_isa: this CPU cannot run the requested ISA");
  forced_isa.store(isa, std::memory_order_relaxed);
}

GemmIsa active_gemm_isa() {
  const GemmIsa forced = forced_isa.load(std::memory_order_relaxed);
  return forced == GemmIsa::automatic ? detected_isa() : forced;
}

template <class T>
const GemmKernelSet<T>& active_gemm_kernels() {
  switch (active_gemm_isa()) {
    case GemmIsa::avx512: return avx512_gemm_kernels<T>();
    case GemmIsa::avx2: return avx2_gemm_kernels<T>();
    default: return portable_gemm_kernels<T>();
  }
}

template const GemmKernelSet<float>& active_gemm_kernels<float>();
template const GemmKernelSet<double>& active_gemm_kernels<double>();

}  // namespace cgrad::detail
