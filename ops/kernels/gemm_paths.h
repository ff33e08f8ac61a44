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

// Whether the direct path beats packing for a product whose dimensions are all >= 64.
// Swept on the Zen 4 host over m in {64, 128, 256}, n and k in {64, ..., 4096}, every
// transposition, on 1 and 2 threads (benchmarks/RESULTS.md): with the conditions below the
// direct path took 0.93x the packed path's time in geometric mean on one thread and 0.84x
// on two. It suits when
//  - A has at most 256 rows (the packed kernel reuses its packed panels across more);
//  - its blocks give both cores work (a product over the parallel cut-off in one block
//    would run on one core);
//  - op(B) is transposed into scratch or is at most 4 MB: read in place, a wide B's rows
//    lie far apart and a block's k x 256 panel falls out of the cache;
//  - op(A) is at most 2 MB (it is read again for each block of columns);
//  - the form runs along n, or C has at most 256 columns (along m writes C through its
//    column stride).
template <class T>
bool direct_suits(GemmShape shape, bool transpose_a, bool transpose_b, std::size_t lanes);

// The path cgrad::gemm takes for this shape with the active kernels (tests use it to keep
// their shapes on the path they mean to test).
template <class T>
bool gemm_takes_packed_path(GemmShape shape, bool transpose_a, bool transpose_b);

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
