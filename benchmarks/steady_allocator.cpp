// One allocator state for every row of cgrad_bench, whatever ran before it.
//
// glibc serves a large block with mmap, and raises its mmap and trim thresholds (to at most
// 32 MiB) when such a block is freed. A LibTorch row allocates its outputs and gradients
// every step, so its time depended on what had run before it in the process: LibTorch's
// conv2d [64,1,28,28] -> 16 took 25-58 ms a step in some orders and 2 ms in others, the
// difference being page faults on freshly mapped blocks, some larger than 32 MiB. cgrad's
// steady steps do not allocate, so this only steadies its comparators: blocks up to 256 MiB
// come from the heap and the heap is not trimmed between steps, the settings under which
// LibTorch runs fastest here. A ratio against LibTorch is a ratio against its best case.
// The zoo's twins, each in its own process, keep glibc's defaults.
#include <malloc.h>

#include <cstdio>

namespace {

constexpr int kMmapThresholdBytes = 256 << 20;
constexpr int kTrimThresholdBytes = 256 << 20;
constexpr int kTopPadBytes = 16 << 20;

const bool kSteadied = [] {
  const bool ok = mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes) == 1 && mallopt(M_TOP_PAD, kTopPadBytes) == 1;
  if (!ok) std::fputs("cgrad_bench: mallopt refused a setting; LibTorch rows may depend on row order\n", stderr);
  return ok;
}();

}  // namespace
