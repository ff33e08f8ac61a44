// Convolution and pooling at the model zoo's shapes (and, for whole steps, wider 3x3 layers),
// forward and backward in one step, against LibTorch's C++ frontend in the same run (when
// CMake found it), on 1 and 2 threads. Names: BM_Conv2d/<cgrad|torch>/<shape>/<threads>, BM_MaxPool2d/... .
// GFLOPS counts 2 N O (C / groups) kh kw Ho Wo per forward and three times that for a
// forward and backward step (dx and dW are each a product as large as the forward).
// BM_Conv2dPart/<cgrad|torch>/<shape>/<part>/threads:1 times the step's parts on their own,
// to show which of the three products a side loses on: the forward alone, the forward and
// dW (the input a constant), the forward and dx (the weight a constant).
#include <cstddef>
#include <cstdint>
#include <random>
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

using namespace cgrad;

struct ConvShape {
  const char* name;
  std::size_t n, c, h, w, o, k, padding;
  double flops_per_product() const {
    const double pixels = static_cast<double>(h + 2 * padding - k + 1) * static_cast<double>(w + 2 * padding - k + 1);
    return 2 * static_cast<double>(n * o * c * k * k) * pixels;
  }
};

// What one iteration runs: the whole step, or the forward with one or none of the two
// backward products (the bias's gradient, a sum, comes with either). Which of x and the
// weight need a gradient; the forward alone has the weight need one, so that it keeps what
// a training step's forward keeps for the weight's gradient, but runs no backward.
enum class ConvPart { step, forward, weight_grad, input_grad };

struct ConvPartInfo {
  const char* name;
  bool x_needs_grad, weight_needs_grad, backward;
  int products;
};

constexpr ConvPartInfo info(ConvPart part) {
  switch (part) {
    case ConvPart::forward: return {"forward", false, true, false, 1};
    case ConvPart::weight_grad: return {"forward_dw", false, true, true, 2};
    case ConvPart::input_grad: return {"forward_dx", true, false, true, 2};
    default: return {"step", true, true, true, 3};
  }
}

void count_flops(benchmark::State& state, const ConvShape& s, ConvPart part) {
  state.counters["GFLOPS"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * info(part).products * s.flops_per_product() * 1e-9,
      benchmark::Counter::kIsRate);
}

// The convolutions of a small CNN on 28x28 images: the first layer and the second.
constexpr ConvShape kConvShapes[] = {
    {"64x1x28x28_to_16_3x3", 64, 1, 28, 28, 16, 3, 1},
    {"64x16x14x14_to_32_3x3", 64, 16, 14, 14, 32, 3, 1},
};

// 3x3 "same" layers beyond the zoo's: more channels and larger or smaller planes, as in
// ResNet-style networks (whole steps only). All take Conv2d's Winograd path.
constexpr ConvShape kWiderConvShapes[] = {
    {"32x32x28x28_to_32_3x3", 32, 32, 28, 28, 32, 3, 1},
    {"8x64x56x56_to_64_3x3", 8, 64, 56, 56, 64, 3, 1},
    {"16x128x14x14_to_128_3x3", 16, 128, 14, 14, 128, 3, 1},
    {"16x256x7x7_to_256_3x3", 16, 256, 7, 7, 256, 3, 1},
};

Tensor<float> random_tensor(const Shape& shape, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1, 1);
  Tensor<float> t(shape);
  for (float& v : t.span()) v = uniform(rng);
  return t;
}

// One training step of the op: record the forward, back-propagate a fixed gradient into
// the input, weight and bias (or the part of it that `part` names).
void BM_Conv2dCgrad(benchmark::State& state, ConvShape s, int threads, ConvPart part = ConvPart::step) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Parameter<float> x("x", random_tensor({s.n, s.c, s.h, s.w}, 1));
  Parameter<float> weight("weight", random_tensor({s.o, s.c, s.k, s.k}, 2));
  Parameter<float> bias("bias", random_tensor({s.o}, 3));
  const ConvPartInfo what = info(part);
  Graph<float> graph;
  Tensor<float> dy;
  for (auto _ : state) {
    graph.clear();
    Var<float> x_var = what.x_needs_grad ? graph.param(x) : graph.input(x.value());
    Var<float> w_var = what.weight_needs_grad ? graph.param(weight) : graph.input(weight.value());
    Var<float> y = conv2d(x_var, w_var, graph.param(bias), {.padding = s.padding});
    if (what.backward) {
      if (dy.shape() != y.shape()) dy = random_tensor(y.shape(), 4);
      graph.backward(y, dy);
    }
    benchmark::DoNotOptimize(bias.value().data());
  }
  count_flops(state, s, part);
}

void BM_MaxPool2dCgrad(benchmark::State& state, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Parameter<float> x("x", random_tensor({64, 16, 28, 28}, 5));
  Graph<float> graph;
  Tensor<float> dy;
  for (auto _ : state) {
    graph.clear();
    Var<float> y = max_pool2d(graph.param(x), {.kernel = 2});
    if (dy.shape() != y.shape()) dy = random_tensor(y.shape(), 6);
    graph.backward(y, dy);
    benchmark::DoNotOptimize(x.grad().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 64 * 16 * 28 * 28 * 2 *
                          static_cast<std::int64_t>(sizeof(float)));
}

#if CGRAD_HAVE_TORCH
torch::Tensor torch_random(at::IntArrayRef shape, bool requires_grad) {
  return torch::rand(shape).mul_(2).sub_(1).set_requires_grad(requires_grad);
}

void BM_Conv2dTorch(benchmark::State& state, ConvShape s, int threads, ConvPart part = ConvPart::step) {
  cgrad::bench::set_torch_threads(threads);
  torch::manual_seed(0);
  const auto n = static_cast<std::int64_t>(s.n), c = static_cast<std::int64_t>(s.c), h = static_cast<std::int64_t>(s.h),
             w = static_cast<std::int64_t>(s.w), o = static_cast<std::int64_t>(s.o), k = static_cast<std::int64_t>(s.k);
  const ConvPartInfo what = info(part);
  torch::Tensor x = torch_random({n, c, h, w}, what.x_needs_grad);
  torch::Tensor weight = torch_random({o, c, k, k}, what.weight_needs_grad);
  torch::Tensor bias = torch_random({o}, true);
  torch::Tensor dy;
  namespace F = torch::nn::functional;
  for (auto _ : state) {
    torch::Tensor y = F::conv2d(x, weight, F::Conv2dFuncOptions().bias(bias).padding(static_cast<std::int64_t>(s.padding)));
    if (what.backward) {
      if (!dy.defined()) dy = torch_random(y.sizes(), false);
      y.backward(dy);
    }
    benchmark::DoNotOptimize(y.data_ptr<float>());
    // As cgrad's graph overwrites its gradients each step: no accumulation on either side.
    x.mutable_grad().reset();
    weight.mutable_grad().reset();
    bias.mutable_grad().reset();
  }
  count_flops(state, s, part);
}

void BM_MaxPool2dTorch(benchmark::State& state, int threads) {
  cgrad::bench::set_torch_threads(threads);
  torch::manual_seed(0);
  torch::Tensor x = torch_random({64, 16, 28, 28}, true);
  torch::Tensor dy;
  namespace F = torch::nn::functional;
  for (auto _ : state) {
    torch::Tensor y = F::max_pool2d(x, F::MaxPool2dFuncOptions(2));
    if (!dy.defined()) dy = torch_random(y.sizes(), false);
    y.backward(dy);
    benchmark::DoNotOptimize(x.grad().data_ptr<float>());
    x.mutable_grad().reset();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 64 * 16 * 28 * 28 * 2 *
                          static_cast<std::int64_t>(sizeof(float)));
}
#endif

// Real time: two threads are not credited with twice the CPU time.
const int kRegistered = [] {
  std::vector<ConvShape> steps(std::begin(kConvShapes), std::end(kConvShapes));
  steps.insert(steps.end(), std::begin(kWiderConvShapes), std::end(kWiderConvShapes));
  for (int threads : {1, 2}) {
    for (const ConvShape& s : steps) {
      benchmark::RegisterBenchmark(fmt::format("BM_Conv2d/cgrad/{}/threads:{}", s.name, threads).c_str(),
                                   [s, threads](benchmark::State& st) { BM_Conv2dCgrad(st, s, threads); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#if CGRAD_HAVE_TORCH
      benchmark::RegisterBenchmark(fmt::format("BM_Conv2d/torch/{}/threads:{}", s.name, threads).c_str(),
                                   [s, threads](benchmark::State& st) { BM_Conv2dTorch(st, s, threads); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#endif
    }
    benchmark::RegisterBenchmark(fmt::format("BM_MaxPool2d/cgrad/64x16x28x28_2x2/threads:{}", threads).c_str(),
                                 [threads](benchmark::State& st) { BM_MaxPool2dCgrad(st, threads); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
#if CGRAD_HAVE_TORCH
    benchmark::RegisterBenchmark(fmt::format("BM_MaxPool2d/torch/64x16x28x28_2x2/threads:{}", threads).c_str(),
                                 [threads](benchmark::State& st) { BM_MaxPool2dTorch(st, threads); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
#endif
  }
  for (const ConvShape& s : kConvShapes) {
    for (ConvPart part : {ConvPart::forward, ConvPart::weight_grad, ConvPart::input_grad}) {
      benchmark::RegisterBenchmark(fmt::format("BM_Conv2dPart/cgrad/{}/{}/threads:1", s.name, info(part).name).c_str(),
                                   [s, part](benchmark::State& st) { BM_Conv2dCgrad(st, s, 1, part); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#if CGRAD_HAVE_TORCH
      benchmark::RegisterBenchmark(fmt::format("BM_Conv2dPart/torch/{}/{}/threads:1", s.name, info(part).name).c_str(),
                                   [s, part](benchmark::State& st) { BM_Conv2dTorch(st, s, 1, part); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#endif
    }
  }
  return 0;
}();

}  // namespace
