// layer_norm and batch_norm, forward and backward, at the model zoo's shapes, against
// LibTorch's CPU kernels in the same run: LayerNorm on the transformer's [16*64,128] and on
// [64,256]; BatchNorm in training on the CNN's [64,16,28,28] and [64,32,14,14]. Each row
// runs on 1 and 2 threads (oneTBB's limit, torch::set_num_threads), in real time, f32.
//
// One iteration records the op, then back-propagates a fixed output gradient to x, weight
// and bias. GB/s counts the least memory traffic of that pair: the forward reads x and
// writes y, the backward reads x and dy and writes dx (5 values per element), so rows of
// different sizes compare.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#if CGRAD_HAVE_TORCH
#include <torch/torch.h>

#include "torch_threads.h"
#endif

namespace {

struct Case {
  std::string name;         // "LayerNorm/[1024,128]"
  std::vector<std::size_t> x;  // the input's shape
  bool layer;               // LayerNorm over the last axis, or BatchNorm (training) over axis 1
};

cgrad::Tensor<float> filled(const cgrad::Shape& shape, float phase) {
  cgrad::Tensor<float> t(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = std::sin(0.37f * static_cast<float>(i) + phase);
  return t;
}

void set_counters(benchmark::State& state, std::size_t elements) {
  const double bytes = 5.0 * static_cast<double>(elements) * sizeof(float);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void run_cgrad(benchmark::State& state, const Case& c, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const cgrad::Shape shape(c.x);
  const std::size_t features = c.layer ? c.x.back() : c.x[1];
  cgrad::Parameter<float> x("x", filled(shape, 0.0f));
  cgrad::Parameter<float> weight("weight", filled(cgrad::Shape{features}, 1.0f));
  cgrad::Parameter<float> bias("bias", filled(cgrad::Shape{features}, 2.0f));
  cgrad::Tensor<float> running_mean(cgrad::Shape{features}), running_var = cgrad::Tensor<float>::full(cgrad::Shape{features}, 1.0f);
  const cgrad::Tensor<float> dy = filled(shape, 3.0f);
  cgrad::Graph<float> graph;
  for (auto _ : state) {
    graph.clear();
    // shared_param: the gradients stay in the graph and are overwritten, as an activation's are.
    cgrad::Var<float> in = graph.shared_param(x), w = graph.shared_param(weight), b = graph.shared_param(bias);
    cgrad::Var<float> y = c.layer ? cgrad::layer_norm(in, {features}, w, b)
                                  : cgrad::batch_norm(in, &running_mean, &running_var, w, b, {.training = true});
    graph.backward(y, dy);
    benchmark::DoNotOptimize(graph.grad(in).data());
  }
  set_counters(state, shape.size());
}

#if CGRAD_HAVE_TORCH
torch::Tensor torch_filled(const std::vector<std::int64_t>& shape, float phase) {
  torch::Tensor t = torch::empty(shape);
  float* data = t.data_ptr<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) data[i] = std::sin(0.37f * static_cast<float>(i) + phase);
  return t;
}

void run_torch(benchmark::State& state, const Case& c, int threads) {
  cgrad::bench::set_torch_threads(threads);
  const std::vector<std::int64_t> shape(c.x.begin(), c.x.end());
  const std::int64_t features = c.layer ? shape.back() : shape[1];
  torch::Tensor x = torch_filled(shape, 0.0f).requires_grad_(true);
  torch::Tensor weight = torch_filled({features}, 1.0f).requires_grad_(true);
  torch::Tensor bias = torch_filled({features}, 2.0f).requires_grad_(true);
  torch::Tensor running_mean = torch::zeros({features}), running_var = torch::ones({features});
  const torch::Tensor dy = torch_filled(shape, 3.0f);
  for (auto _ : state) {
    torch::Tensor y = c.layer ? torch::layer_norm(x, {features}, weight, bias, 1e-5)
                              : torch::batch_norm(x, weight, bias, running_mean, running_var, /*training=*/true,
                                                  /*momentum=*/0.1, /*eps=*/1e-5, /*cudnn_enabled=*/false);
    y.backward(dy);
    benchmark::DoNotOptimize(x.grad().data_ptr<float>());
    // Gradients set to none between steps (PyTorch's zero_grad default), so they are written, not added.
    for (torch::Tensor* t : {&x, &weight, &bias}) t->mutable_grad().reset();
  }
  set_counters(state, static_cast<std::size_t>(x.numel()));
}
#endif

// BM_LayerNorm/cgrad/[1024,128]/1 ... BM_BatchNorm/torch/[64,32,14,14]/2
const bool registered = [] {
  const std::vector<Case> cases = {
      {"LayerNorm/cgrad/[1024,128]", {16 * 64, 128}, true},
      {"LayerNorm/cgrad/[64,256]", {64, 256}, true},
      {"BatchNorm/cgrad/[64,16,28,28]", {64, 16, 28, 28}, false},
      {"BatchNorm/cgrad/[64,32,14,14]", {64, 32, 14, 14}, false},
  };
  for (const Case& c : cases) {
    for (int threads : {1, 2}) {
      benchmark::RegisterBenchmark(("BM_" + c.name + "/" + std::to_string(threads)).c_str(),
                                   [c, threads](benchmark::State& s) { run_cgrad(s, c, threads); })
          ->UseRealTime();
#if CGRAD_HAVE_TORCH
      std::string torch_name = c.name;
      torch_name.replace(torch_name.find("cgrad"), 5, "torch");
      benchmark::RegisterBenchmark(("BM_" + torch_name + "/" + std::to_string(threads)).c_str(),
                                   [c, threads](benchmark::State& s) { run_torch(s, c, threads); })
          ->UseRealTime();
#endif
    }
  }
  return true;
}();

}  // namespace
