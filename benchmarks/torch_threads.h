#pragma once
// LibTorch's thread count for a comparator row or a model twin. torch::set_num_threads
// sets LibTorch's own pool and OpenMP's (oneDNN's convolutions run there), but Debian's
// LibTorch hands its matrix products to OpenBLAS, whose pthreads pool keeps one thread per
// core whatever LibTorch was told: its "1 thread" LSTM cell, GRU cell and transformer block
// ran on both cores of a 2-core host (user time about twice the wall time), and took
// 1.69, 1.32 and 12.9 ms where they take 2.75, 2.13 and 18.8 ms on one (RESULTS.md). The
// program links libopenblas directly (benchmarks/CMakeLists.txt), so the dynamic linker
// binds LibTorch's BLAS calls to that copy, the one this call sets (LD_DEBUG=bindings shows
// libtorch_cpu's sgemm_ bound to libopenblas.so.0 in cgrad_bench and in chars_torch).
#include <cblas.h>
#include <torch/torch.h>

namespace cgrad::bench {

inline void set_torch_threads(int threads) {
  torch::set_num_threads(threads);
  openblas_set_num_threads(threads);
}

}  // namespace cgrad::bench
