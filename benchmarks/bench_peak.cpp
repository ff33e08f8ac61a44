// The core's multiply-add peak: independent chains of vector FMAs on registers, no memory.
// It is the ceiling every GFLOPS counter of the other rows is read against on this
// machine (a GEMM cannot run faster, and a model step whose products alone exceed its
// budget at this rate cannot meet that budget). Names: BM_FmaPeak/<isa>/<float|double>,
// rows only for the ISAs this CPU runs.
#include <immintrin.h>

#include <cstdint>
#include <initializer_list>

#include <benchmark/benchmark.h>

namespace {

// Twelve accumulators: more than an FMA's latency times the FMA ports on the x86-64 cores
// we run on (4 cycles x 2 ports), so the chains never wait on each other. The empty asm
// keeps each one in a register across the loop (in an array GCC spilled them to memory).
constexpr std::int64_t kStepsPerCall = 1 << 16;
constexpr int kChains = 12;

#define CGRAD_FMA_PEAK_BODY(Reg, set1, fma, lanes)                                                           \
  Reg a0 = set1(0), a1 = set1(0), a2 = set1(0), a3 = set1(0), a4 = set1(0), a5 = set1(0), a6 = set1(0),     \
      a7 = set1(0), a8 = set1(0), a9 = set1(0), a10 = set1(0), a11 = set1(0);                                \
  const Reg m = set1(0.5), c = set1(0.25);                                                                   \
  for (std::int64_t i = 0; i < kStepsPerCall; ++i) {                                                         \
    a0 = fma(a0, m, c), a1 = fma(a1, m, c), a2 = fma(a2, m, c), a3 = fma(a3, m, c);                          \
    a4 = fma(a4, m, c), a5 = fma(a5, m, c), a6 = fma(a6, m, c), a7 = fma(a7, m, c);                          \
    a8 = fma(a8, m, c), a9 = fma(a9, m, c), a10 = fma(a10, m, c), a11 = fma(a11, m, c);                      \
    asm volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7),        \
                 "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));                                                  \
  }                                                                                                          \
  Reg sum = a0;                                                                                              \
  for (Reg r : {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11}) sum = fma(sum, m, r);                         \
  benchmark::DoNotOptimize(sum);                                                                             \
  return kStepsPerCall * kChains * (lanes) * 2

__attribute__((target("avx512f"))) std::int64_t avx512_float() {
  CGRAD_FMA_PEAK_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, 16);
}
__attribute__((target("avx512f"))) std::int64_t avx512_double() {
  CGRAD_FMA_PEAK_BODY(__m512d, _mm512_set1_pd, _mm512_fmadd_pd, 8);
}
__attribute__((target("avx2,fma"))) std::int64_t avx2_float() {
  CGRAD_FMA_PEAK_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, 8);
}
__attribute__((target("avx2,fma"))) std::int64_t avx2_double() {
  CGRAD_FMA_PEAK_BODY(__m256d, _mm256_set1_pd, _mm256_fmadd_pd, 4);
}

#undef CGRAD_FMA_PEAK_BODY

void BM_FmaPeak(benchmark::State& state, std::int64_t (*chains)()) {
  std::int64_t flops = 0;
  for (auto _ : state) flops += chains();
  state.counters["GFLOPS"] = benchmark::Counter(static_cast<double>(flops) * 1e-9, benchmark::Counter::kIsRate);
}

const bool kRegistered = [] {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    benchmark::RegisterBenchmark("BM_FmaPeak/avx512/float", BM_FmaPeak, &avx512_float);
    benchmark::RegisterBenchmark("BM_FmaPeak/avx512/double", BM_FmaPeak, &avx512_double);
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    benchmark::RegisterBenchmark("BM_FmaPeak/avx2/float", BM_FmaPeak, &avx2_float);
    benchmark::RegisterBenchmark("BM_FmaPeak/avx2/double", BM_FmaPeak, &avx2_double);
  }
  return true;
}();

}  // namespace
