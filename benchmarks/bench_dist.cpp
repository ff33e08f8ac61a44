// Data-parallel training speed under mpirun (dist/): one training step of the spiral network
// scaled up ({2, 1024, 1024, 1024, 3}, float32, 2.1 M parameters, 8.4 MB of gradients) on a
// global batch of 512 rows split across the ranks, with four ways to get the gradients:
//   overlap         DataParallel: buckets start during backward (the grad-ready hook)
//   after_backward  DataParallel with overlap off: the same buckets, all started in finish()
//   per_parameter   LibTorch's C++ example: MPI_Allreduce of each gradient after backward
//   compute_only    no communication (what perfect scaling would give)
// Run under mpirun; every rank runs the same fixed iteration count (collectives must
// match), the reported time of an iteration is the slowest rank's, and rank 0 reports.
//   mpirun -np 2 build/release/benchmarks/cgrad_bench_dist
// Counters: rows/s (global rows per second); for overlap, hidden: the fraction of the
// buckets' exchange time (start to end of each, by timestamps) that passed before backward
// ended, averaged over steps and ranks; exposed_ms (the wait in finish(), which also holds
// any skew between the ranks), comm_ms (the same buckets exchanged alone, nothing else
// running) and hidden_vs_alone = 1 - exposed / comm.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include "cgrad.h"
#include "dist/data_parallel.h"
#include "dist/environment.h"

namespace {

using namespace cgrad;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kGlobalBatch = 512;
constexpr int kIterations = 20;
const std::vector<std::size_t> kSizes = {2, 1024, 1024, 1024, 3};

enum class Approach { Overlap, AfterBackward, PerParameter, ComputeOnly };

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double slowest_rank(double seconds) {
  double slowest = 0;
  MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

struct Shard {
  Tensor<float> points;
  std::vector<std::int32_t> labels;
};

Shard make_shard() {
  const std::size_t rows = kGlobalBatch / static_cast<std::size_t>(dist::size());
  Rng rng(100 + static_cast<std::uint64_t>(dist::rank()));
  Shard shard{Tensor<float>(rows, kSizes.front()), std::vector<std::int32_t>(rows)};
  for (float& v : shard.points.span()) v = static_cast<float>(rng.uniform(-1.0, 1.0));
  for (std::int32_t& label : shard.labels) label = static_cast<std::int32_t>(rng.below(kSizes.back()));
  return shard;
}

void BM_DataParallelStep(benchmark::State& state, Approach approach) {
  Rng init_rng(1);
  Mlp<float> model(kSizes, he<float>(init_rng));
  const std::vector<Parameter<float>*> parameters = model.parameters();
  Sgd<float> sgd(parameters, {.lr = 0.01});
  const Shard shard = make_shard();
  std::unique_ptr<dist::DataParallel<float>> ddp;
  if (approach == Approach::Overlap || approach == Approach::AfterBackward)
    ddp = std::make_unique<dist::DataParallel<float>>(
        parameters, dist::DataParallelOptions{.overlap = approach == Approach::Overlap});
  Graph<float> g;
  if (ddp) ddp->attach(g);

  double exposed = 0, hidden = 0;
  for (auto _ : state) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto start = Clock::now();
    g.clear();
    Var<float> loss = softmax_xent(model.forward(g, g.input(shard.points)), shard.labels);
    sgd.zero_grad();
    g.backward(loss);
    if (ddp) {
      ddp->finish();
      exposed += ddp->last_finish_seconds();
      hidden += ddp->last_hidden_fraction();
    } else if (approach == Approach::PerParameter) {
      for (Parameter<float>* p : parameters) {
        Tensor<float>& grad = p->grad();
        MPI_Allreduce(MPI_IN_PLACE, grad.data(), static_cast<int>(grad.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        for (float& v : grad.span()) v /= static_cast<float>(dist::size());
      }
    }
    sgd.step();
    state.SetIterationTime(slowest_rank(seconds_since(start)));
  }
  if (ddp) ddp->detach(g);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(kGlobalBatch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["ranks"] = dist::size();

  if (approach == Approach::Overlap && dist::size() > 1) {
    // The same buckets' exchange alone: gradients in place, nothing else running.
    dist::DataParallel<float> alone(parameters, {.overlap = false, .broadcast_parameters = false});
    std::vector<double> times;
    for (int i = 0; i < 10; ++i) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto start = Clock::now();
      alone.finish();
      times.push_back(slowest_rank(seconds_since(start)));
    }
    std::sort(times.begin(), times.end());
    const double comm = times[times.size() / 2];
    const double exposed_per_step = slowest_rank(exposed / static_cast<double>(state.iterations()));
    state.counters["comm_ms"] = 1e3 * comm;
    state.counters["exposed_ms"] = 1e3 * exposed_per_step;
    state.counters["hidden_vs_alone"] = std::clamp(1.0 - exposed_per_step / comm, 0.0, 1.0);
    // The timestamps' measure (DataParallel::last_hidden_fraction), averaged over steps and ranks.
    double hidden_mean = hidden / static_cast<double>(state.iterations()), sum = 0;
    MPI_Allreduce(&hidden_mean, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    state.counters["hidden"] = sum / dist::size();
  }
}

// Other ranks run every benchmark in step with rank 0 but print nothing.
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  dist::Environment mpi(argc, argv);
  // One thread per rank: N ranks use N cores, and one rank is the one-core baseline.
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const std::string ranks = "/np:" + std::to_string(dist::size());
  const std::pair<const char*, Approach> approaches[] = {{"overlap", Approach::Overlap},
                                                         {"after_backward", Approach::AfterBackward},
                                                         {"per_parameter", Approach::PerParameter},
                                                         {"compute_only", Approach::ComputeOnly}};
  for (const auto& [name, approach] : approaches)
    benchmark::RegisterBenchmark((std::string("BM_DataParallelStep/") + name + ranks).c_str(), BM_DataParallelStep,
                                 approach)
        ->Iterations(kIterations)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (dist::rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    SilentReporter silent;  // (for JSON, use --benchmark_format=json: only rank 0 prints)
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  return 0;
}
