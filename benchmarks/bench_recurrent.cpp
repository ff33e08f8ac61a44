// One step of the recurrent cells, forward and backward with every input's gradient, at
// the model zoo's shape (batch 64, input 256, hidden 256), on 1 and 2 threads; LibTorch's
// torch::lstm_cell / torch::gru_cell on the same shapes in the same run when it is found.
// GFLOP/s counts the six GEMMs (2 forward, 4 backward): 3 · 2·N·(I+H)·G·H for G gates.
#include <string>

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include "cgrad.h"
#if CGRAD_HAVE_TORCH
#include <torch/torch.h>

#include "torch_threads.h"
#endif

namespace {

constexpr std::size_t kBatch = 64, kInput = 256, kHidden = 256;

double gemm_flops(std::size_t gates) {
  return 3.0 * 2.0 * static_cast<double>(kBatch) * static_cast<double>(kInput + kHidden) *
         static_cast<double>(gates * kHidden);
}

void set_counters(benchmark::State& state, std::size_t gates) {
  state.counters["GFLOP/s"] = benchmark::Counter(gemm_flops(gates) * 1e-9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

cgrad::Tensor<float> random_tensor(const cgrad::Shape& shape, unsigned seed, float scale) {
  cgrad::Tensor<float> t(shape);
  unsigned s = seed;
  for (float& v : t.span()) {
    s = s * 1664525u + 1013904223u;
    v = scale * (static_cast<float>(s >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f);
  }
  return t;
}

// gates = 4: lstm_cell; 3: gru_cell. x, h (and c) are parameters too, so that every
// gradient is computed, as a step inside a sequence needs.
void BM_CellCgrad(benchmark::State& state, std::size_t gates, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  using cgrad::Parameter;
  using cgrad::Shape;
  const float bound = 1.0f / 16.0f;  // 1/sqrt(hidden), PyTorch's initialisation
  Parameter<float> x("x", random_tensor({kBatch, kInput}, 1, 1.0f));
  Parameter<float> h("h", random_tensor({kBatch, kHidden}, 2, 1.0f));
  Parameter<float> c("c", random_tensor({kBatch, kHidden}, 3, 1.0f));
  Parameter<float> w_ih("w_ih", random_tensor({kInput, gates * kHidden}, 4, bound));
  Parameter<float> w_hh("w_hh", random_tensor({kHidden, gates * kHidden}, 5, bound));
  Parameter<float> b_ih("b_ih", random_tensor(Shape{gates * kHidden}, 6, bound));
  Parameter<float> b_hh("b_hh", random_tensor(Shape{gates * kHidden}, 7, bound));
  for (auto* p : {&x, &h, &c, &w_ih, &w_hh, &b_ih, &b_hh}) p->zero_grad();
  const cgrad::Tensor<float> ones =
      cgrad::Tensor<float>::full(Shape{kBatch, (gates == 4 ? 2 : 1) * kHidden}, 1.0f);
  cgrad::Graph<float> graph;
  for (auto _ : state) {
    graph.clear();
    const cgrad::Var<float> out =
        gates == 4 ? cgrad::lstm_cell_packed(graph.param(x), graph.param(h), graph.param(c), graph.param(w_ih),
                                             graph.param(w_hh), graph.param(b_ih), graph.param(b_hh))
                   : cgrad::gru_cell(graph.param(x), graph.param(h), graph.param(w_ih), graph.param(w_hh),
                                     graph.param(b_ih), graph.param(b_hh));
    graph.backward(out, ones);
    benchmark::DoNotOptimize(w_hh.grad().data());
  }
  set_counters(state, gates);
}

#if CGRAD_HAVE_TORCH
void BM_CellTorch(benchmark::State& state, std::size_t gates, int threads) {
  cgrad::bench::set_torch_threads(threads);
  const auto g = static_cast<std::int64_t>(gates * kHidden);
  const auto n = static_cast<std::int64_t>(kBatch), in = static_cast<std::int64_t>(kInput),
             hidden = static_cast<std::int64_t>(kHidden);
  const double bound = 1.0 / 16.0;
  torch::manual_seed(0);
  auto uniform = [](std::initializer_list<std::int64_t> shape, double b) {
    return (torch::rand(shape) * 2 - 1).mul_(b).requires_grad_(true);
  };
  torch::Tensor x = uniform({n, in}, 1.0), h = uniform({n, hidden}, 1.0), c = uniform({n, hidden}, 1.0);
  torch::Tensor w_ih = uniform({g, in}, bound), w_hh = uniform({g, hidden}, bound);
  torch::Tensor b_ih = uniform({g}, bound), b_hh = uniform({g}, bound);
  const torch::Tensor ones = torch::ones({n, hidden});
  for (auto _ : state) {
    if (gates == 4) {
      auto [h_next, c_next] = torch::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);
      torch::autograd::backward({h_next, c_next}, {ones, ones});
    } else {
      torch::Tensor h_next = torch::gru_cell(x, h, w_ih, w_hh, b_ih, b_hh);
      torch::autograd::backward({h_next}, {ones});
    }
    benchmark::DoNotOptimize(w_hh.grad().data_ptr<float>());
  }
  set_counters(state, gates);
}
#endif

// BM_LstmCell/cgrad/threads:1, BM_LstmCell/torch/threads:1, ..., BM_GruCell/torch/threads:2
const bool registered = [] {
  for (const std::size_t gates : {std::size_t{4}, std::size_t{3}}) {
    const std::string op = gates == 4 ? "BM_LstmCell" : "BM_GruCell";
    for (const int threads : {1, 2}) {
      const std::string suffix = "/N64_I256_H256/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark((op + "/cgrad" + suffix).c_str(), BM_CellCgrad, gates, threads)->UseRealTime();
#if CGRAD_HAVE_TORCH
      benchmark::RegisterBenchmark((op + "/torch" + suffix).c_str(), BM_CellTorch, gates, threads)->UseRealTime();
#endif
    }
  }
  return true;
}();

}  // namespace
