// The N-D ops on large values, each beside a comparator in the same run:
//   - elementwise ops and reductions on 1M-element f32 values, forward only (what a node
//     costs when recorded), in GB/s of the bytes the op must read and write, next to a
//     memcpy of the same number of bytes (BM_Copy: the memory bound);
//   - batched matmul against a loop of OpenBLAS cblas_sgemm calls over the same batch.
// Each runs on 1 and 2 threads (oneTBB's limit and OpenBLAS's), real time.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "cgrad.h"

namespace {

using cgrad::Graph;
using cgrad::Shape;
using cgrad::Tensor;
using cgrad::Var;

Tensor<float> random_tensor(const Shape& shape, unsigned seed, float low = -1, float high = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  Tensor<float> t(shape);
  for (float& v : t.span()) v = dist(rng);
  return t;
}

constexpr std::size_t kRows = 1024, kCols = 1024;  // 1M elements

struct Case {
  std::string name;
  std::vector<Shape> inputs;
  std::function<Var<float>(std::span<const Var<float>>)> op;
  double bytes_per_run;  // what the op must read and write at least
};

std::vector<Case> cases() {
  const Shape big{kRows, kCols}, row{kCols}, column{kRows, 1};
  const double n = double(kRows * kCols) * sizeof(float);
  auto unary = [&](std::string name, std::function<Var<float>(Var<float>)> f) {
    return Case{std::move(name), {big}, [f](auto x) { return f(x[0]); }, 2 * n};
  };
  return {
      {"add", {big, big}, [](auto x) { return cgrad::add(x[0], x[1]); }, 3 * n},
      {"add_broadcast_row", {big, row}, [](auto x) { return cgrad::add(x[0], x[1]); }, 2 * n},
      {"add_broadcast_column", {big, column}, [](auto x) { return cgrad::add(x[0], x[1]); }, 2 * n},
      {"mul", {big, big}, [](auto x) { return cgrad::mul(x[0], x[1]); }, 3 * n},
      unary("exp", [](Var<float> x) { return cgrad::exp(x); }),
      unary("tanh", [](Var<float> x) { return cgrad::tanh(x); }),
      unary("sigmoid", [](Var<float> x) { return cgrad::sigmoid(x); }),
      unary("gelu", [](Var<float> x) { return cgrad::gelu(x); }),
      unary("relu", [](Var<float> x) { return cgrad::relu(x); }),
      {"sum_last_axis", {big}, [](auto x) { return cgrad::sum(x[0], -1); }, n},
      {"sum_first_axis", {big}, [](auto x) { return cgrad::sum(x[0], 0); }, n},
      {"max_last_axis", {big}, [](auto x) { return cgrad::max(x[0], -1); }, n},
  };
}

void set_threads(int threads) { openblas_set_num_threads(threads); }

void run_case(benchmark::State& state, const Case& c, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  // Inputs enter as shared_param leaves, read in place: the loop times the op alone.
  std::vector<cgrad::Parameter<float>> values;
  for (std::size_t i = 0; i < c.inputs.size(); ++i)
    values.emplace_back(fmt::format("x{}", i), random_tensor(c.inputs[i], unsigned(i + 1)));
  Graph<float> graph;
  cgrad::NoGradGuard no_tape(graph);  // forward cost only
  std::vector<Var<float>> vars;
  for (auto _ : state) {
    graph.clear();
    vars.clear();
    for (const cgrad::Parameter<float>& v : values) vars.push_back(graph.shared_param(v));
    benchmark::DoNotOptimize(c.op(vars).value().data());
  }
  state.counters["GBps"] = benchmark::Counter(c.bytes_per_run * double(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}

// The memory bound: memcpy of 1M floats (reads n bytes, writes n bytes).
void BM_Copy(benchmark::State& state) {
  const Tensor<float> from = random_tensor(Shape{kRows, kCols}, 1);
  Tensor<float> to(from.shape());
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), from.size() * sizeof(float));
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.counters["GBps"] = benchmark::Counter(2.0 * double(from.size() * sizeof(float)) * double(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}

// ---- batched matmul against a loop of cblas_sgemm ----

struct Batched {
  const char* name;
  Shape a, b;
};

void run_matmul(benchmark::State& state, const Batched& p, bool openblas, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  set_threads(threads);
  const Tensor<float> a = random_tensor(p.a, 1), b = random_tensor(p.b, 2);
  const std::size_t m = p.a[p.a.rank() - 2], k = p.a[p.a.rank() - 1], n = p.b[p.b.rank() - 1];
  const std::size_t batch = a.size() / (m * k);
  const bool b_batched = p.b.rank() == 3;
  Graph<float> graph;
  cgrad::NoGradGuard no_tape(graph);
  Var<float> va = graph.input(a), vb = graph.input(b);
  std::vector<float> c(batch * m * n);
  for (auto _ : state) {
    if (openblas) {
      for (std::size_t i = 0; i < batch; ++i)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, a.data() + i * m * k,
                    int(k), b.data() + (b_batched ? i * k * n : 0), int(n), 0.0f, c.data() + i * m * n, int(n));
      benchmark::DoNotOptimize(c.data());
    } else {
      // The product alone: the inputs stay recorded, each iteration appends one MatMul.
      benchmark::DoNotOptimize(cgrad::matmul(va, vb).value().data());
      state.PauseTiming();
      graph.clear();
      va = graph.input(a);  // re-record the leaves, untimed
      vb = graph.input(b);
      state.ResumeTiming();
    }
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(batch * m * n * k) * double(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("BM_Copy/1M_f32", BM_Copy)->UseRealTime();
  for (const Case& c : cases())
    for (int threads : {1, 2})
      benchmark::RegisterBenchmark(("BM_TensorOp/" + c.name + "/1M_f32/" + std::to_string(threads)).c_str(),
                                   [c, threads](benchmark::State& s) { run_case(s, c, threads); })
          ->UseRealTime();
  for (const Batched& p : {Batched{"32x64x64.32x64x64", {32, 64, 64}, {32, 64, 64}},
                           Batched{"8x128x128.128x128", {8, 128, 128}, {128, 128}}})
    for (int threads : {1, 2})
      for (bool openblas : {false, true})
        benchmark::RegisterBenchmark(
            (std::string("BM_BatchedMatMul/") + (openblas ? "openblas_loop/" : "cgrad/") + p.name + "/" +
             std::to_string(threads))
                .c_str(),
            [p, openblas, threads](benchmark::State& s) { run_matmul(s, p, openblas, threads); })
            ->UseRealTime();
  return true;
}();

}  // namespace
