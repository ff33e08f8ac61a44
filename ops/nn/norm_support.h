#pragma once
// What layer_norm and batch_norm share: sums over a contiguous run in a fixed order (several
// independent accumulators, so the loop vectorizes without -ffast-math and the result does
// not depend on where a task boundary falls), and a parallel loop over independent blocks
// whose partition is fixed by the work, never by the number of threads.
//
// Moments are accumulated in double for both float and double values: a float sum over
// tens of thousands of elements (a batch norm channel of [64,16,28,28] has 50,176) would
// lose several digits. No benchmark compares this with float accumulators.
#include <array>
#include <cstddef>
#include <cstring>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace cgrad::detail {

// Independent lanes of a running sum; eight doubles fill one AVX-512 register. The lanes are
// a GCC vector type: GCC does not vectorize a reduction written as a loop over an array of
// lanes, and a vector type keeps exactly that lane assignment (so the same fixed order) while
// compiling to whatever vector registers the target has.
inline constexpr std::size_t kSumLanes = 8;
// The several-run loops below are unrolled over the runs, as the GEMM's tiles are, so that
// each run's lanes can stay in registers (without it GCC compiles the layer norm's loops
// differently; that build was not timed).
#define CGRAD_NORM_UNROLL _Pragma("GCC unroll 8")
using SumLanes = double __attribute__((vector_size(kSumLanes * sizeof(double))));

// kSumLanes values of T as one vector (the attribute cannot apply to a dependent type).
template <class T>
struct LaneValues;
template <>
struct LaneValues<float> {
  using type = float __attribute__((vector_size(kSumLanes * sizeof(float))));
};
template <>
struct LaneValues<double> {
  using type = SumLanes;
};

// kSumLanes values as doubles (exact for float), written through a reference: returning a
// vector wider than the target's registers would change the calling convention, which GCC
// warns about. GCC 12 compiles __builtin_convertvector from 8 floats to 8 doubles as two
// 4-wide conversions, an extract and an insert, whatever the tuning; with AVX-512 one
// vcvtps2pd does it: LayerNorm [1024,128] forward and backward went from 156-160 to
// 138-143 us on one thread (benchmarks/RESULTS.md).
inline void widen(const LaneValues<float>::type& v, SumLanes& out) {
#if defined(__AVX512F__)
  __m256 packed;
  std::memcpy(&packed, &v, sizeof(packed));
  // (maskz with every lane: _mm512_cvtps_pd starts from an undefined vector, which GCC 12
  // reports as maybe-uninitialized.)
  out = reinterpret_cast<SumLanes>(_mm512_maskz_cvtps_pd(0xFF, packed));
#else
  out = __builtin_convertvector(v, SumLanes);
#endif
}
inline void widen(const SumLanes& v, SumLanes& out) { out = v; }

// x[i..i+8) as doubles.
template <class T>
inline void load_lanes(const T* x, SumLanes& out) {
  using Values = typename LaneValues<T>::type;
  Values v;
  std::memcpy(&v, x, sizeof(v));
  widen(v, out);
}

// The lanes summed in one fixed order.
inline double fold_lanes(const SumLanes& lanes) {
  double total = 0;
  for (std::size_t l = 0; l < kSumLanes; ++l) total += lanes[l];
  return total;
}

// The reductions below come in two forms: over one run, and over R runs `stride` apart at
// once (layer_norm's rows, four at a time; batch_norm still calls the one-run form). Each
// run of the R keeps its own lanes and the one-run order, so the results are the bits of R
// one-run calls; the R independent chains are what the several-run form is for. One run's
// sum is a chain of dependent vector adds and a serial fold; in perf of the [1024,128]
// layer norm, one row at a time, the forward's hottest instructions were those waiting on
// the chains, and four rows at a time took the row from 177-184 to 156-160 us on one thread.
template <std::size_t R>
using RunSums = std::array<double, R>;

// sum(x[r stride .. r stride + n)) for each r < R, in double.
template <std::size_t R, class T>
RunSums<R> sum_runs(const T* x, std::size_t stride, std::size_t n) {
  SumLanes lanes[R] = {};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    CGRAD_NORM_UNROLL for (std::size_t r = 0; r < R; ++r) {
      SumLanes v;
      load_lanes(x + r * stride + i, v);
      lanes[r] += v;
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l)
    for (std::size_t r = 0; r < R; ++r) lanes[r][l] += static_cast<double>(x[r * stride + i]);
  RunSums<R> sums;
  for (std::size_t r = 0; r < R; ++r) sums[r] = fold_lanes(lanes[r]);
  return sums;
}

template <class T>
double sum_run(const T* x, std::size_t n) {
  return sum_runs<1>(x, 0, n)[0];
}

// sum((x - mean)^2) over each run: the second pass of a two-pass variance, which stays
// accurate when the mean is large against the spread (near-constant rows). mean[r] is run
// r's mean.
template <std::size_t R, class T>
RunSums<R> sum_squared_deviations_runs(const T* x, std::size_t stride, std::size_t n, const RunSums<R>& mean) {
  SumLanes lanes[R] = {};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    CGRAD_NORM_UNROLL for (std::size_t r = 0; r < R; ++r) {
      SumLanes d;
      load_lanes(x + r * stride + i, d);
      d -= mean[r];
      lanes[r] += d * d;
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    for (std::size_t r = 0; r < R; ++r) {
      const double d = static_cast<double>(x[r * stride + i]) - mean[r];
      lanes[r][l] += d * d;
    }
  }
  RunSums<R> sums;
  for (std::size_t r = 0; r < R; ++r) sums[r] = fold_lanes(lanes[r]);
  return sums;
}

template <class T>
double sum_squared_deviations(const T* x, std::size_t n, double mean) {
  return sum_squared_deviations_runs<1>(x, 0, n, RunSums<1>{mean})[0];
}

// sum(g) and sum(g * (x - mean)) over a run, in double: the two reductions of a
// normalization's backward. g = dy * weight (the product rounded to T) where the weight
// varies along the run (layer norm; the same weight for every run), g = dy where `weight`
// is null. dy and x runs are both `stride` apart.
struct GradSums {
  double g = 0;
  double g_centered = 0;
};

template <std::size_t R, class T>
std::array<GradSums, R> grad_sums_runs(const T* dy, const T* weight, const T* x, std::size_t stride, std::size_t n,
                                       const RunSums<R>& mean) {
  using Values = typename LaneValues<T>::type;
  SumLanes plain[R] = {}, centered[R] = {};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    Values w{};  // read only with a weight (GCC 12 at -O1, the sanitizer builds, cannot tell)
    if (weight != nullptr) std::memcpy(&w, weight + i, sizeof(w));
    CGRAD_NORM_UNROLL for (std::size_t r = 0; r < R; ++r) {
      Values g;
      std::memcpy(&g, dy + r * stride + i, sizeof(g));
      if (weight != nullptr) g *= w;
      SumLanes gd;
      widen(g, gd);
      SumLanes xd;
      load_lanes(x + r * stride + i, xd);
      plain[r] += gd;
      centered[r] += gd * (xd - mean[r]);
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    for (std::size_t r = 0; r < R; ++r) {
      const T dyi = dy[r * stride + i];
      const double gi = static_cast<double>(weight != nullptr ? dyi * weight[i] : dyi);
      plain[r][l] += gi;
      centered[r][l] += gi * (static_cast<double>(x[r * stride + i]) - mean[r]);
    }
  }
  std::array<GradSums, R> sums;
  for (std::size_t r = 0; r < R; ++r) sums[r] = {fold_lanes(plain[r]), fold_lanes(centered[r])};
  return sums;
}

template <class T>
GradSums grad_sums_run(const T* dy, const T* weight, const T* x, std::size_t n, double mean) {
  return grad_sums_runs<1>(dy, weight, x, 0, n, RunSums<1>{mean})[0];
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

#undef CGRAD_NORM_UNROLL
