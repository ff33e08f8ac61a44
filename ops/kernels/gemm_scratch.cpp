// Per-thread packing buffers for the GEMM drivers.
#include <cstddef>
#include <memory>
#include <new>

#include "ops/kernels/gemm_paths.h"

namespace cgrad::detail {
namespace {

constexpr std::align_val_t kAlignment{64};

struct AlignedDelete {
  void operator()(void* p) const { ::operator delete(p, kAlignment); }
};

struct ScratchBuffer {
  std::unique_ptr<void, AlignedDelete> data;
  std::size_t bytes = 0;
};

}  // namespace

void* thread_scratch(ScratchSlot slot, std::size_t bytes) {
  thread_local ScratchBuffer buffers[static_cast<std::size_t>(ScratchSlot::count)];
  ScratchBuffer& buffer = buffers[static_cast<std::size_t>(slot)];
  if (buffer.bytes < bytes) {
    // Grow geometrically so a slowly growing sequence of shapes reallocates rarely.
    const std::size_t grown = bytes > 2 * buffer.bytes ? bytes : 2 * buffer.bytes;
    buffer.data.reset();
    buffer.data.reset(::operator new(grown, kAlignment));
    buffer.bytes = grown;
  }
  return buffer.data.get();
}

}  // namespace cgrad::detail
