// Every op's forward and backward at the spiral's shapes and at a large shape.
// Names: BM_Op/<op>/<forward|backward>/<shape>/<dtype>. Counters: bytes_per_second for the
// memory-bound ops (bytes touched by one pass), GFLOPS for MatMul.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "cgrad.h"

namespace {

using namespace cgrad;

template <Real T>
struct Inputs {
  std::vector<Parameter<T>> params;
  std::vector<std::int32_t> labels;
};

template <Real T>
using Build = std::function<Var<T>(Graph<T>&, Inputs<T>&)>;

struct OpCase {
  std::string op;
  std::string shape;
  std::vector<Shape> inputs;  // parameter shapes
  std::size_t label_classes = 0;  // SoftmaxXent: labels for inputs[0]'s rows
  double flops = 0;               // per forward pass (MatMul only)
  double bytes = 0;               // elements touched per forward pass (times sizeof(T) later)
  std::function<Var<double>(Graph<double>&, Inputs<double>&)> build_f64;
  std::function<Var<float>(Graph<float>&, Inputs<float>&)> build_f32;
};

template <Real T>
Inputs<T> make_inputs(const OpCase& c) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<T> uniform(-1, 1);
  Inputs<T> in;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    Tensor<T> t(c.inputs[i]);
    for (T& v : t.span()) v = uniform(rng);
    in.params.emplace_back(fmt::format("p{}", i), std::move(t));
  }
  for (std::size_t r = 0; c.label_classes && r < c.inputs[0].rows(); ++r)
    in.labels.push_back(static_cast<std::int32_t>(r % c.label_classes));
  return in;
}

template <Real T>
void run(benchmark::State& state, const OpCase& c, const Build<T>& build, bool backward) {
  Inputs<T> in = make_inputs<T>(c);
  Graph<T> graph;
  Var<T> out = build(graph, in);
  const Tensor<T> seed = Tensor<T>::full(out.value().rows(), out.value().cols(), T{1});
  for (auto _ : state) {
    if (backward) {
      graph.backward(out, seed);
    } else {
      graph.clear();
      out = build(graph, in);
    }
    benchmark::ClobberMemory();
  }
  const double passes = static_cast<double>(state.iterations());
  if (c.flops > 0)
    state.counters["GFLOPS"] = benchmark::Counter(passes * c.flops * (backward ? 2 : 1) * 1e-9,
                                                  benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(passes * c.bytes * sizeof(T)));
}

Var<double> p(Graph<double>& g, Inputs<double>& in, std::size_t i) { return g.param(in.params[i]); }
Var<float> p(Graph<float>& g, Inputs<float>& in, std::size_t i) { return g.param(in.params[i]); }

#define CGRAD_BOTH(expr)                                                              \
  [](Graph<double>& g, Inputs<double>& in) { return expr; },                          \
      [](Graph<float>& g, Inputs<float>& in) { return expr; }

std::vector<OpCase> cases() {
  std::vector<OpCase> all;
  auto matmul_case = [&](std::size_t m, std::size_t k, std::size_t n) {
    all.push_back({"MatMul", fmt::format("{}x{}x{}", m, k, n), {{m, k}, {k, n}}, 0,
                   2.0 * double(m * n * k), double(m * k + k * n + m * n),
                   CGRAD_BOTH(matmul(p(g, in, 0), p(g, in, 1)))});
  };
  matmul_case(300, 2, 100);
  matmul_case(300, 100, 3);
  matmul_case(512, 512, 512);
  for (Shape s : {Shape{300, 100}, Shape{300, 3}, Shape{2048, 1024}}) {
    const std::string name = fmt::format("{}x{}", s.rows(), s.cols());
    const double n = double(s.size());
    all.push_back({"AddBias", name, {s, {1, s.cols()}}, 0, 0, 2 * n + double(s.cols()),
                   CGRAD_BOTH(add_bias(p(g, in, 0), p(g, in, 1)))});
    all.push_back({"ReLU", name, {s}, 0, 0, 2 * n, CGRAD_BOTH(relu(p(g, in, 0)))});
    all.push_back({"Add", name, {s, s}, 0, 0, 3 * n, CGRAD_BOTH(p(g, in, 0) + p(g, in, 1))});
    all.push_back({"Scale", name, {s}, 0, 0, 2 * n, CGRAD_BOTH(p(g, in, 0) * 0.5)});
    all.push_back({"L2Reg", name, {s}, 0, 0, n, CGRAD_BOTH(l2_reg(p(g, in, 0), 1e-3))});
  }
  for (Shape s : {Shape{300, 3}, Shape{4096, 1000}}) {
    all.push_back({"SoftmaxXent", fmt::format("{}x{}", s.rows(), s.cols()), {s}, s.cols(), 0, 2 * double(s.size()),
                   CGRAD_BOTH(softmax_xent(p(g, in, 0), in.labels))});
  }
  return all;
}

#undef CGRAD_BOTH

const bool registered = [] {
  static const std::vector<OpCase> all = cases();
  for (const OpCase& c : all) {
    for (bool backward : {false, true}) {
      const char* pass = backward ? "backward" : "forward";
      benchmark::RegisterBenchmark(fmt::format("BM_Op/{}/{}/{}/f32", c.op, pass, c.shape).c_str(),
                                   [&c, backward](benchmark::State& s) { run<float>(s, c, c.build_f32, backward); });
      benchmark::RegisterBenchmark(fmt::format("BM_Op/{}/{}/{}/f64", c.op, pass, c.shape).c_str(),
                                   [&c, backward](benchmark::State& s) { run<double>(s, c, c.build_f64, backward); });
    }
  }
  return true;
}();

}  // namespace
