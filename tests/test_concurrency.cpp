// Thread safety: graphs on several threads at once, sharing read-only Parameters through
// shared_param(), with oneTBB running inside the GEMM, give bit for bit the gradients of a
// serial run. Built as its own program, labelled `concurrency`, which the ThreadSanitizer
// preset runs.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include "cgrad.h"
#include "expect_error.h"
#include "test_util.h"

namespace cgrad {
namespace {

using ::testing::HasSubstr;
using test::message_of;

#if defined(__SANITIZE_THREAD__)
// Under ThreadSanitizer, oneTBB gets no worker threads. Debian's libtbb is not
// instrumented, so TSan cannot see the happens-before edges it creates when a worker
// takes a task or the caller waits for it: with workers, every parallel GEMM gave ~200
// reports, on our kernels' rows as much as on TBB's task objects, and a suppression of
// our kernels would hide real races. Without workers each thread runs its own tasks;
// what remains, TBB's task objects recycled between threads by its small-object pool,
// is suppressed by innermost frame only (tests/tsan_tbb.supp). TSan then checks what is
// ours: graphs on std::threads sharing Parameters (checked: param() shared between the
// threads is reported at once). The normal and ASan runs keep TBB's workers.
const oneapi::tbb::global_control no_tbb_workers_under_tsan(oneapi::tbb::global_control::max_allowed_parallelism, 1);
#endif

constexpr std::size_t kThreads = 4;
constexpr int kSteps = 3;

bool bit_equal(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A two-layer network whose products are large enough ([256,32].[32,128] and the
// backward's [32,256].[256,128]) for the GEMM to split them across TBB's workers.
struct Model {
  std::array<Parameter<float>, 4> params{
      Parameter<float>("W1", test::normal_tensor<float>(32, 128, 1, 0.2)),
      Parameter<float>("b1", test::normal_tensor<float>(1, 128, 2, 0.1)),
      Parameter<float>("W2", test::normal_tensor<float>(128, 10, 3, 0.2)),
      Parameter<float>("b2", Tensor<float>(1, 10))};
};

struct Shard {
  Tensor<float> x;
  std::vector<std::int32_t> labels;
};

std::vector<Shard> make_shards() {
  std::vector<Shard> shards;
  for (std::size_t i = 0; i < kThreads; ++i)
    shards.push_back({test::uniform_tensor<float>(256, 32, 100 + i), test::random_labels(256, 10, 200 + i)});
  return shards;
}

// One shard's loss and gradients, with the model only read.
struct ShardResult {
  float loss = 0;
  std::array<Tensor<float>, 4> grads;
};

void run_shard(Graph<float>& graph, const Model& model, const Shard& shard, ShardResult& out) {
  graph.clear();
  std::array<Var<float>, 4> p;
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = graph.shared_param(model.params[i]);
  Var<float> hidden = relu(add_bias(matmul(graph.input(shard.x), p[0]), p[1]));
  Var<float> loss = softmax_xent(add_bias(matmul(hidden, p[2]), p[3]), shard.labels) + l2_reg(p[0], 1e-3f);
  graph.backward(loss);
  out.loss = loss.item();
  for (std::size_t i = 0; i < p.size(); ++i) out.grads[i] = graph.grad(p[i]);
}

// kSteps of data-parallel SGD; `run_all` fills one result per shard. Returns every
// shard's results of every step, then the final parameters.
struct Trajectory {
  std::vector<ShardResult> results;
  std::array<Tensor<float>, 4> final_params;
};

using RunAll = std::function<void(std::vector<Graph<float>>&, const Model&, const std::vector<Shard>&,
                                  std::vector<ShardResult>&)>;

Trajectory train(const RunAll& run_all) {
  Model model;
  const std::vector<Shard> shards = make_shards();
  std::vector<Graph<float>> graphs(kThreads);
  Trajectory trajectory;
  for (int step = 0; step < kSteps; ++step) {
    std::vector<ShardResult> results(kThreads);
    run_all(graphs, model, shards, results);
    // Reduce in shard order, so the sum does not depend on which thread finished first.
    for (std::size_t i = 0; i < model.params.size(); ++i) {
      Tensor<float>& value = model.params[i].mutable_value();
      for (std::size_t j = 0; j < value.size(); ++j) {
        float sum = 0;
        for (const ShardResult& r : results) sum += r.grads[i][j];
        value[j] -= 0.5f * sum / kThreads;
      }
    }
    trajectory.results.insert(trajectory.results.end(), results.begin(), results.end());
  }
  for (std::size_t i = 0; i < model.params.size(); ++i) trajectory.final_params[i] = model.params[i].value();
  return trajectory;
}

void serially(std::vector<Graph<float>>& graphs, const Model& model, const std::vector<Shard>& shards,
              std::vector<ShardResult>& results) {
  for (std::size_t i = 0; i < kThreads; ++i) run_shard(graphs[i], model, shards[i], results[i]);
}

void on_threads(std::vector<Graph<float>>& graphs, const Model& model, const std::vector<Shard>& shards,
                std::vector<ShardResult>& results) {
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { run_shard(graphs[i], model, shards[i], results[i]); });
  for (std::thread& t : threads) t.join();
}

TEST(Concurrency, FourThreadsSharingParametersMatchASerialRunBitForBit) {
  const Trajectory serial = train(serially);
  const Trajectory threaded = train(on_threads);
  ASSERT_EQ(serial.results.size(), threaded.results.size());
  for (std::size_t r = 0; r < serial.results.size(); ++r) {
    SCOPED_TRACE(::testing::Message() << "step " << r / kThreads << " shard " << r % kThreads);
    EXPECT_EQ(std::memcmp(&serial.results[r].loss, &threaded.results[r].loss, sizeof(float)), 0);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(bit_equal(serial.results[r].grads[i], threaded.results[r].grads[i]));
  }
  for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(bit_equal(serial.final_params[i], threaded.final_params[i]));
  // The model did train: the losses moved.
  EXPECT_NE(serial.results.front().loss, serial.results.back().loss);
}

TEST(Concurrency, AnomalyModeOnOneThreadLeavesTheOthersAlone) {
  Model model;
  const std::vector<Shard> shards = make_shards();
  std::vector<Graph<float>> graphs(kThreads);
  std::vector<ShardResult> plain(kThreads), checked(kThreads);
  serially(graphs, model, shards, plain);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      DetectAnomaly guard(i % 2 == 0);
      run_shard(graphs[i], model, shards[i], checked[i]);
    });
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < kThreads; ++i)
    for (std::size_t j = 0; j < 4; ++j) EXPECT_TRUE(bit_equal(plain[i].grads[j], checked[i].grads[j]));
}

// ---- shared_param() and grad() on one thread ----

TEST(SharedParam, GradientsEqualThoseOfParam) {
  Parameter<double> w("W", test::uniform_tensor<double>(3, 4, 1));
  const Tensor<double> x = test::uniform_tensor<double>(5, 3, 2);
  Graph<double> graph;
  graph.backward(l2_reg(relu(matmul(graph.input(x), graph.param(w))), 1.0));
  const Tensor<double> expected = w.grad();
  graph.clear();
  w.zero_grad();
  Var<double> shared = graph.shared_param(w);
  graph.backward(l2_reg(relu(matmul(graph.input(x), shared)), 1.0));
  const Tensor<double>& grad = graph.grad(shared);
  ASSERT_EQ(grad.shape(), expected.shape());
  for (std::size_t i = 0; i < grad.size(); ++i) EXPECT_EQ(grad[i], expected[i]);
  for (double g : w.grad().span()) EXPECT_EQ(g, 0.0) << "shared_param must not write the Parameter";
}

TEST(SharedParam, GradIsThisPassOnlyAndZeroOffThePath) {
  Parameter<double> w("W", Tensor<double>(1, 2, {1.0, 2.0}));
  Graph<double> graph;
  Var<double> v = graph.shared_param(w);
  Var<double> unused = graph.shared_param(w);
  Var<double> loss = l2_reg(v, 1.0);
  graph.backward(loss);
  graph.backward(loss);  // a second pass replaces, not adds: the graph keeps one pass
  EXPECT_EQ(graph.grad(v)[0], 1.0);
  EXPECT_EQ(graph.grad(v)[1], 2.0);
  EXPECT_EQ(graph.grad(unused)[0], 0.0);
  EXPECT_EQ(graph.grad(loss)[0], 1.0);  // intermediate Vars have gradients too
  Var<double> later = l2_reg(v, 3.0);
  graph.backward(v, Tensor<double>(1, 2, {1.0, 1.0}));  // d <1,v> / d v: only v is on the path now
  EXPECT_EQ(graph.grad(v)[1], 1.0);
  EXPECT_EQ(graph.grad(loss)[0], 0.0) << "a node after the output keeps no stale gradient";
  EXPECT_EQ(graph.grad(later)[0], 0.0);
}

TEST(SharedParam, GradRefusesParamLeavesAndInputs) {
  Parameter<double> w("W", Tensor<double>(1, 2, {1.0, 2.0}));
  Graph<double> graph;
  Var<double> p = graph.param(w);
  Var<double> x = graph.input(Tensor<double>(1, 2));
  graph.backward(l2_reg(add(p, x), 1.0));
  EXPECT_THAT(message_of<GraphError>([&] { graph.grad(p); }), HasSubstr("Parameter 'W'"));
  EXPECT_THAT(message_of<GraphError>([&] { graph.grad(x); }), HasSubstr("no gradient"));
  Graph<double> other;
  EXPECT_THAT(message_of<GraphError>([&] { other.grad(x); }), HasSubstr("another graph"));
}

}  // namespace
}  // namespace cgrad
