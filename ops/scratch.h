#pragma once
// Per-thread scratch for an op's forward or backward: a buffer of the calling thread that
// keeps its capacity, so a steady training step allocates nothing once its shapes have
// been seen. `Owner` (a tag type of the op) and `slot` pick the buffer, so no two ops
// share one and an op can hold kSlots at once. The pointer is valid until the same thread
// asks for the same (Owner, T, slot) again: use it within one call only, and keep a
// thread that waits inside that call (in a parallel loop or a parallel GEMM) from picking
// up another call of the same op (tbb::this_task_arena::isolate, or no nested work).
// (The GEMM's packing buffers, aligned and sized in bytes, are detail::thread_scratch.)
#include <array>
#include <cstddef>

#include "graph/tensor.h"

namespace cgrad::detail {

template <class Owner, Real T, std::size_t kSlots = 1>
T* op_scratch(std::size_t count, std::size_t slot = 0) {
  thread_local std::array<Tensor<T>, kSlots> buffers;
  Tensor<T>& buffer = buffers[slot];
  buffer.resize(Shape{count});  // no allocation once the capacity suffices
  return buffer.data();
}

}  // namespace cgrad::detail
