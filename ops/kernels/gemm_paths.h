#pragma once
// The two GEMM drivers behind cgrad::gemm, and the per-thread scratch they pack into.
#include <cstddef>

#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_kernel_set.h"

namespace cgrad::detail {

// Below this many multiply-adds (about 100^3) two threads measured slower than one: the
// tasks' start-up and the repeated packing outweigh the split work.
inline constexpr std::size_t kGemmParallelCutoff = std::size_t{1} << 20;

// Packed panels, register-blocked micro-kernel, cache blocking; for large products.
template <class T>
void gemm_packed(GemmShape shape, const GemmOperands<T>& op, const GemmKernelSet<T>& kernels);

// Unpacked (or packing only a small operand) for products with a small dimension.
template <class T>
void gemm_direct(GemmShape shape, const GemmOperands<T>& op, const GemmKernelSet<T>& kernels);

// A 64-byte aligned buffer of at least `count` elements owned by the calling thread, in
// one of a few independent slots. It grows but never shrinks, so steady-state calls do
// not allocate. Valid until the same thread asks for the same slot again.
enum class ScratchSlot { packed_a, packed_b, edge_tile, direct_operand, count };
void* thread_scratch(ScratchSlot slot, std::size_t bytes);

template <class T>
T* thread_scratch_as(ScratchSlot slot, std::size_t count) {
  return static_cast<T*>(thread_scratch(slot, count * sizeof(T)));
}

}  // namespace cgrad::detail
