// The cost of the graph itself: recording and back-propagating tiny ops, and one whole
// training step of the seed's two-layer network.
#include <ctime>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>

#include "cgrad.h"
#include "tests/support/allocation_counter.h"
#if CGRAD_HAVE_TORCH
#include <torch/torch.h>

#include "torch_threads.h"
#endif
#include "tests/support/two_layer_model.h"

namespace {

using cgrad::testing::allocation_count;

// CPU time of this thread: unlike wall time, not inflated by other processes.
double thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// Each benchmark runs with anomaly mode (graph/anomaly.h) off and on: off must cost
// nothing measurable, on shows what the NaN/Inf checks add.

// Record and back-propagate a chain of `x + c` on [1,1] values, as LibTorch was measured.
void BM_OpOverhead(benchmark::State& state, bool anomaly_mode) {
  const cgrad::DetectAnomaly anomaly(anomaly_mode);
  constexpr int kChain = 100;
  cgrad::Parameter<float> x("x", cgrad::Tensor<float>(1, 1, {1.0f}));
  const cgrad::Tensor<float> one(1, 1, {1.0f});
  cgrad::Graph<float> graph;
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    graph.clear();
    cgrad::Var<float> c = graph.input(one);
    cgrad::Var<float> v = graph.param(x);
    for (int i = 0; i < kChain; ++i) v = v + c;
    graph.backward(v);
    benchmark::DoNotOptimize(x.grad()[0]);
  }
  state.counters["ns_per_op"] = (thread_cpu_ns() - start) / (static_cast<double>(state.iterations()) * kChain);
}

#if CGRAD_HAVE_TORCH
// The same chain in LibTorch's C++ frontend, in the same run: a [1,1] leaf that requires a
// gradient, 100 additions of a constant, backward. One thread, as cgrad's row.
void BM_OpOverheadTorch(benchmark::State& state) {
  cgrad::bench::set_torch_threads(1);
  constexpr int kChain = 100;
  torch::Tensor x = torch::ones({1, 1}, torch::requires_grad());
  const torch::Tensor one = torch::ones({1, 1});
  const double start = thread_cpu_ns();
  for (auto _ : state) {
    torch::Tensor v = x;
    for (int i = 0; i < kChain; ++i) v = v + one;
    v.backward();
    benchmark::DoNotOptimize(x.grad().data_ptr<float>()[0]);
    x.mutable_grad().reset();
  }
  state.counters["ns_per_op"] = (thread_cpu_ns() - start) / (static_cast<double>(state.iterations()) * kChain);
}
#endif

// The layers as the seed's ops, as Linear then ReLU record them, or as Mlp does (with
// affine_relu): the same arithmetic, the same bits (TwoLayerModel).
template <class T>
void BM_SpiralStep(benchmark::State& state, bool anomaly_mode, cgrad::testing::Layers layers) {
  const cgrad::DetectAnomaly anomaly(anomaly_mode);
  cgrad::testing::TwoLayerModel<T> model(300, 100, 3, 0, layers);
  model.step();  // the first step sizes every buffer
  const std::size_t before = allocation_count();
  for (auto _ : state) benchmark::DoNotOptimize(model.step());
  state.counters["allocs_per_step"] =
      static_cast<double>(allocation_count() - before) / static_cast<double>(state.iterations());
}

// BM_OpOverhead/anomaly_off, ..., BM_SpiralStep/f64/anomaly_on (the seed's ops), and
// BM_SpiralStep/f64/affine and /affine_relu (the layers' nodes, anomaly mode off)
const bool registered = [] {
  using cgrad::testing::Layers;
  for (const bool on : {false, true}) {
    const std::string mode = on ? "anomaly_on" : "anomaly_off";
    benchmark::RegisterBenchmark(("BM_OpOverhead/" + mode).c_str(), BM_OpOverhead, on);
    benchmark::RegisterBenchmark(("BM_SpiralStep/f32/" + mode).c_str(), BM_SpiralStep<float>, on, Layers::ops);
    benchmark::RegisterBenchmark(("BM_SpiralStep/f64/" + mode).c_str(), BM_SpiralStep<double>, on, Layers::ops);
  }
  for (const auto& [name, layers] : {std::pair{"affine", Layers::affine}, std::pair{"affine_relu", Layers::affine_relu}}) {
    benchmark::RegisterBenchmark((std::string("BM_SpiralStep/f32/") + name).c_str(), BM_SpiralStep<float>, false, layers);
    benchmark::RegisterBenchmark((std::string("BM_SpiralStep/f64/") + name).c_str(), BM_SpiralStep<double>, false, layers);
  }
#if CGRAD_HAVE_TORCH
  benchmark::RegisterBenchmark("BM_OpOverhead/torch", BM_OpOverheadTorch);
#endif
  return true;
}();

}  // namespace
