#pragma once
// What layer_norm and batch_norm share: sums over a contiguous run in a fixed order (several
// independent accumulators, so the loop vectorizes without -ffast-math and the result does
// not depend on where a task boundary falls), and a parallel loop over independent blocks
// whose partition is fixed by the work, never by the number of threads.
//
// Moments are accumulated in double for both float and double values: a float sum over
// tens of thousands of elements (a batch norm channel of [64,16,28,28] has 50,176) would
// lose several digits, and the extra cost is invisible next to the memory traffic.
#include <array>
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace cgrad::detail {

// Independent lanes of a running sum; eight doubles fill one AVX-512 register.
inline constexpr std::size_t kSumLanes = 8;

// Folds the lanes in one fixed order.
inline double fold_lanes(const std::array<double, kSumLanes>& lanes) {
  double total = 0;
  for (double v : lanes) total += v;
  return total;
}

// sum(x[0..n)), in double.
template <class T>
double sum_run(const T* x, std::size_t n) {
  std::array<double, kSumLanes> lanes{};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes)
    for (std::size_t l = 0; l < kSumLanes; ++l) lanes[l] += static_cast<double>(x[i + l]);
  for (std::size_t l = 0; i < n; ++i, ++l) lanes[l] += static_cast<double>(x[i]);
  return fold_lanes(lanes);
}

// sum((x - mean)^2) over x[0..n): the second pass of a two-pass variance, which stays
// accurate when the mean is large against the spread (near-constant rows).
template <class T>
double sum_squared_deviations(const T* x, std::size_t n, double mean) {
  std::array<double, kSumLanes> lanes{};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    for (std::size_t l = 0; l < kSumLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - mean;
      lanes[l] += d * d;
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    const double d = static_cast<double>(x[i]) - mean;
    lanes[l] += d * d;
  }
  return fold_lanes(lanes);
}

// sum(g) and sum(g * (x - mean)) over a run, in double: the two reductions of a
// normalization's backward. g(i) is the incoming gradient at i, times the weight where the
// weight varies along the run (layer norm).
struct GradSums {
  double g = 0;
  double g_centered = 0;
};

template <class T, class GradAt>
GradSums grad_sums_run(const GradAt& g, const T* x, std::size_t n, double mean) {
  std::array<double, kSumLanes> plain{}, centered{};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    for (std::size_t l = 0; l < kSumLanes; ++l) {
      const double gi = static_cast<double>(g(i + l));
      plain[l] += gi;
      centered[l] += gi * (static_cast<double>(x[i + l]) - mean);
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    const double gi = static_cast<double>(g(i));
    plain[l] += gi;
    centered[l] += gi * (static_cast<double>(x[i]) - mean);
  }
  return {fold_lanes(plain), fold_lanes(centered)};
}

// Below this many elements of work a normalization runs on the calling thread: a task
// costs a few microseconds to hand over, which a small layer does not repay.
inline constexpr std::size_t kNormParallelCutoff = std::size_t{1} << 15;

// body(begin, end) over [0, count) in blocks of `grain`, in parallel when count * work_per_item
// is large. Each index is handled by exactly one call with the same arithmetic whatever the
// thread count, so the results are bit for bit the same on one thread or many.
template <class Body>
void parallel_blocks(std::size_t count, std::size_t work_per_item, const Body& body) {
  if (count < 2 || count * work_per_item < kNormParallelCutoff) {
    body(std::size_t{0}, count);
    return;
  }
  // About 16 blocks of at least kNormParallelCutoff / 8 elements each: enough to balance two
  // or four workers, few enough that handing out tasks stays cheap.
  std::size_t grain = (count + 15) / 16;
  const std::size_t min_grain = (kNormParallelCutoff / 8 + work_per_item - 1) / work_per_item;
  if (grain < min_grain) grain = min_grain;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, count, grain),
      [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); }, tbb::simple_partitioner());
}

}  // namespace cgrad::detail
