// ScaledDotProductAttention, forward and backward, at the model zoo's attention shape:
// batch 16, 4 heads, sequence 64, head width 32 (model width 128), float32, causal and not,
// on 1 and 2 threads; LibTorch's C++ frontend in the same run with the same shapes.
//
// Debian's LibTorch is 1.13, which has no scaled_dot_product_attention (PyTorch 2.0 added
// it), so its rows are what a LibTorch 1.13 user writes: matmul, scale, masked_fill with a
// causal mask made once outside the loop, softmax, matmul; autograd does the backward.
//
// GFLOPS counts the six products of one step (two forward, four backward) at 2·L·S·E flops
// each, for causal rows too (neither side skips the masked half), so the counter compares
// the two sides and not the hardware's peak.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#if CGRAD_HAVE_TORCH
#include <torch/torch.h>

#include "torch_threads.h"
#endif
#include "cgrad.h"

namespace {

constexpr std::size_t kBatch = 16, kHeads = 4, kSequence = 64, kHeadWidth = 32;

double step_flops() {
  return 6.0 * 2.0 * kBatch * kHeads * kSequence * kSequence * kHeadWidth;
}

cgrad::Tensor<float> random_tensor(const cgrad::Shape& shape, std::uint64_t seed) {
  cgrad::Rng rng(seed);
  cgrad::Tensor<float> t(shape);
  for (float& x : t.span()) x = static_cast<float>(rng.uniform(-1, 1));
  return t;
}

void set_gflops(benchmark::State& state) {
  state.counters["GFLOPS"] =
      benchmark::Counter(step_flops() * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void BM_AttentionCgrad(benchmark::State& state, bool causal, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const cgrad::Shape shape{kBatch, kHeads, kSequence, kHeadWidth};
  cgrad::Parameter<float> q("q", random_tensor(shape, 1)), k("k", random_tensor(shape, 2)), v("v", random_tensor(shape, 3));
  const cgrad::Tensor<float> output_grad = random_tensor(shape, 4);
  cgrad::Graph<float> graph;
  for (auto _ : state) {
    graph.clear();
    cgrad::Var<float> out =
        cgrad::scaled_dot_product_attention(graph.param(q), graph.param(k), graph.param(v), {.causal = causal});
    graph.backward(out, output_grad);
    benchmark::DoNotOptimize(q.grad().data());
    benchmark::ClobberMemory();
  }
  set_gflops(state);
}

#if CGRAD_HAVE_TORCH
void BM_AttentionTorch(benchmark::State& state, bool causal, int threads) {
  cgrad::bench::set_torch_threads(threads);
  const auto shape = {static_cast<long>(kBatch), static_cast<long>(kHeads), static_cast<long>(kSequence),
                      static_cast<long>(kHeadWidth)};
  torch::manual_seed(1);
  torch::Tensor q = torch::rand(shape, torch::requires_grad()), k = torch::rand(shape, torch::requires_grad()),
                v = torch::rand(shape, torch::requires_grad());
  const torch::Tensor output_grad = torch::rand(shape);
  // True above the diagonal: the keys a query must not see.
  const torch::Tensor future =
      torch::ones({static_cast<long>(kSequence), static_cast<long>(kSequence)}, torch::kBool).triu(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(kHeadWidth));
  for (auto _ : state) {
    torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
    if (causal) scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
    torch::Tensor out = torch::matmul(torch::softmax(scores, -1), v);
    out.backward(output_grad);
    benchmark::DoNotOptimize(q.grad().data_ptr<float>());
    q.mutable_grad().reset();
    k.mutable_grad().reset();
    v.mutable_grad().reset();
  }
  set_gflops(state);
}
#endif

void register_all() {
  const std::string shape = "16x4x64x32";
  for (bool causal : {false, true}) {
    for (int threads : {1, 2}) {
      const std::string suffix = "/" + shape + (causal ? "/causal" : "/full") + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(("BM_Attention/cgrad" + suffix).c_str(),
                                   [=](benchmark::State& s) { BM_AttentionCgrad(s, causal, threads); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#if CGRAD_HAVE_TORCH
      benchmark::RegisterBenchmark(("BM_Attention/torch" + suffix).c_str(),
                                   [=](benchmark::State& s) { BM_AttentionTorch(s, causal, threads); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
#endif
    }
  }
}

const bool registered = (register_all(), true);

// ---- TransformerBlock (nn/transformer_block.h): a pre-norm block, causal, forward and
// backward, at batch 16, sequence 64, width 128, 4 heads, float32. GFLOPS counts the
// products of a step as 3 × the forward's (backward = twice the forward): per token
// 2·12·E² for the four projections and the 4E-wide MLP, plus 2·2·L·E for the attention.
// LibTorch's twin is composed the same way from torch::nn::LayerNorm, MultiheadAttention
// (sequence-first in 1.13, so its input is [L,N,E]; a causal float mask made once),
// Linear and GELU.

constexpr std::size_t kBlockWidth = 128;

double block_step_flops() {
  const double tokens = static_cast<double>(kBatch * kSequence), width = kBlockWidth;
  return 3.0 * tokens * (2.0 * 12.0 * width * width + 4.0 * kSequence * width);
}

void set_block_gflops(benchmark::State& state) {
  state.counters["GFLOPS"] = benchmark::Counter(block_step_flops() * static_cast<double>(state.iterations()) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void BM_TransformerBlockCgrad(benchmark::State& state, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  cgrad::Rng rng(1);
  cgrad::TransformerBlock<float> block(cgrad::TransformerBlockOptions(kBlockWidth, kHeads).causal(true), rng);
  const cgrad::Shape shape{kBatch, kSequence, kBlockWidth};
  const cgrad::Tensor<float> x = random_tensor(shape, 1), output_grad = random_tensor(shape, 2);
  cgrad::Graph<float> graph;
  for (auto _ : state) {
    graph.clear();
    block.zero_grad();
    cgrad::Var<float> out = block.forward(graph, graph.input(x));
    graph.backward(out, output_grad);
    benchmark::DoNotOptimize(block.attn().q_proj().weight().grad().data());
    benchmark::ClobberMemory();
  }
  set_block_gflops(state);
}

#if CGRAD_HAVE_TORCH
void BM_TransformerBlockTorch(benchmark::State& state, int threads) {
  cgrad::bench::set_torch_threads(threads);
  torch::manual_seed(1);
  const long width = static_cast<long>(kBlockWidth), length = static_cast<long>(kSequence);
  torch::nn::LayerNorm ln1(torch::nn::LayerNormOptions({width})), ln2(torch::nn::LayerNormOptions({width}));
  torch::nn::MultiheadAttention attn(torch::nn::MultiheadAttentionOptions(width, static_cast<long>(kHeads)));
  torch::nn::Linear fc1(width, 4 * width), fc2(4 * width, width);
  torch::nn::GELU gelu;
  std::vector<torch::Tensor> parameters;
  for (const torch::nn::Module* m : std::initializer_list<const torch::nn::Module*>{
           ln1.get(), ln2.get(), attn.get(), fc1.get(), fc2.get()})
    for (const torch::Tensor& p : m->parameters()) parameters.push_back(p);
  const torch::Tensor x = torch::rand({length, static_cast<long>(kBatch), width});  // [L,N,E]
  const torch::Tensor output_grad = torch::rand({length, static_cast<long>(kBatch), width});
  const torch::Tensor future =
      torch::full({length, length}, -std::numeric_limits<float>::infinity()).triu(1);  // -inf above the diagonal
  for (auto _ : state) {
    for (torch::Tensor& p : parameters) p.mutable_grad().reset();
    torch::Tensor normed = ln1(x);
    torch::Tensor h = x + std::get<0>(attn->forward(normed, normed, normed, {}, /*need_weights=*/false, future));
    torch::Tensor out = h + fc2(gelu(fc1(ln2(h))));
    out.backward(output_grad);
    benchmark::DoNotOptimize(parameters[0].grad().data_ptr<float>());
  }
  set_block_gflops(state);
}
#endif

void register_blocks() {
  for (int threads : {1, 2}) {
    const std::string suffix = "/16x64x128/heads:4/causal/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("BM_TransformerBlock/cgrad" + suffix).c_str(),
                                 [=](benchmark::State& s) { BM_TransformerBlockCgrad(s, threads); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
#if CGRAD_HAVE_TORCH
    benchmark::RegisterBenchmark(("BM_TransformerBlock/torch" + suffix).c_str(),
                                 [=](benchmark::State& s) { BM_TransformerBlockTorch(s, threads); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
#endif
  }
}

const bool blocks_registered = (register_blocks(), true);

}  // namespace
