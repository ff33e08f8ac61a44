// One optimizer step (the update alone, gradients already in place) over the parameters of
// a model of the zoo's size: 1 M float parameters in four tensors (the two-layer MLP's
// shapes scaled up). cgrad's Adam, RMSprop and Adagrad against LibTorch's torch::optim in
// the same run, 1 thread. GB/s counts the least memory traffic of Adam's update: read x, g,
// m, v and write x, m, v (7 values per parameter); RMSprop and Adagrad move 5.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#if CGRAD_HAVE_TORCH
#include <torch/torch.h>

#include "torch_threads.h"
#endif

namespace {

const std::vector<cgrad::Shape> kShapes{{512, 1024}, {1024}, {1024, 512}, {512}};

void fill(float* data, std::size_t n, float phase) {
  for (std::size_t i = 0; i < n; ++i) data[i] = std::sin(0.37f * static_cast<float>(i) + phase);
}

std::size_t total(const std::vector<cgrad::Shape>& shapes) {
  std::size_t n = 0;
  for (const cgrad::Shape& s : shapes) n += s.size();
  return n;
}

void set_counters(benchmark::State& state, double values_per_parameter) {
  const double bytes = values_per_parameter * static_cast<double>(total(kShapes)) * sizeof(float);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

template <class Make>
void BM_OptimizerStepCgrad(benchmark::State& state, Make make, double traffic) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
  std::vector<std::unique_ptr<cgrad::Parameter<float>>> owned;
  std::vector<cgrad::Parameter<float>*> parameters;
  for (std::size_t i = 0; i < kShapes.size(); ++i) {
    cgrad::Tensor<float> value(kShapes[i]);
    fill(value.data(), value.size(), static_cast<float>(i));
    owned.push_back(std::make_unique<cgrad::Parameter<float>>(fmt::format("p{}", i), std::move(value)));
    cgrad::Tensor<float>& grad = owned.back()->grad();
    fill(grad.data(), grad.size(), 10.0f + static_cast<float>(i));
    parameters.push_back(owned.back().get());
  }
  auto optimizer = make(parameters);
  for (auto _ : state) {
    optimizer->step();
    benchmark::DoNotOptimize(parameters[0]->value().data());
  }
  set_counters(state, traffic);
}

BENCHMARK_CAPTURE(BM_OptimizerStepCgrad, adam/cgrad, [](auto p) { return std::make_unique<cgrad::Adam<float>>(p); }, 7.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OptimizerStepCgrad, rmsprop/cgrad, [](auto p) { return std::make_unique<cgrad::RmsProp<float>>(p); }, 5.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OptimizerStepCgrad, adagrad/cgrad, [](auto p) { return std::make_unique<cgrad::Adagrad<float>>(p); }, 5.0)
    ->Unit(benchmark::kMicrosecond);

#if CGRAD_HAVE_TORCH
template <class Make>
void BM_OptimizerStepTorch(benchmark::State& state, Make make, double traffic) {
  cgrad::bench::set_torch_threads(1);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parameters;
  for (std::size_t i = 0; i < kShapes.size(); ++i) {
    const auto dims = kShapes[i].dims();
    std::vector<std::int64_t> sizes(dims.begin(), dims.end());
    torch::Tensor value = torch::empty(sizes);
    fill(value.data_ptr<float>(), static_cast<std::size_t>(value.numel()), static_cast<float>(i));
    torch::Tensor grad = torch::empty(sizes);
    fill(grad.data_ptr<float>(), static_cast<std::size_t>(grad.numel()), 10.0f + static_cast<float>(i));
    value.mutable_grad() = grad;
    parameters.push_back(value);
  }
  auto optimizer = make(parameters);
  for (auto _ : state) {
    optimizer->step();
    benchmark::DoNotOptimize(parameters[0].data_ptr<float>());
  }
  set_counters(state, traffic);
}

BENCHMARK_CAPTURE(BM_OptimizerStepTorch, adam/torch, [](auto p) { return std::make_unique<torch::optim::Adam>(p); }, 7.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OptimizerStepTorch, rmsprop/torch, [](auto p) { return std::make_unique<torch::optim::RMSprop>(p); }, 5.0)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OptimizerStepTorch, adagrad/torch, [](auto p) { return std::make_unique<torch::optim::Adagrad>(p); }, 5.0)
    ->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
