#pragma once
// A small classifier for the dist/ tests and the fault drill: an Mlp on random points whose
// labels come from a random linear map, trained with Adam on mini-batches. The reference
// (one process, no MPI) and the data-parallel run share everything but the gradient
// exchange.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "cgrad.h"
#include "dist/data_parallel.h"
#include "dist/sampler.h"

namespace cgrad::test {

struct DistSetup {
  std::size_t rows = 40;
  std::size_t batch = 10;  // 10 rows: shards of 4+3+3 on three ranks (unequal, weighted)
  std::vector<std::size_t> sizes = {4, 16, 16, 3};
  std::uint64_t seed = 7;
};

inline Dataset<double> make_dataset(const DistSetup& setup) {
  Rng rng(setup.seed);
  const std::size_t features = setup.sizes.front(), classes = setup.sizes.back();
  Tensor<double> x(setup.rows, features), map(features, classes);
  for (double& v : x.span()) v = rng.uniform(-1.0, 1.0);
  for (double& v : map.span()) v = rng.normal();
  std::vector<std::int32_t> labels(setup.rows);
  for (std::size_t i = 0; i < setup.rows; ++i) {
    std::size_t best = 0;
    double best_score = -1e300;
    for (std::size_t c = 0; c < classes; ++c) {
      double score = 0;
      for (std::size_t f = 0; f < features; ++f) score += x(i, f) * map(f, c);
      if (score > best_score) best_score = score, best = c;
    }
    labels[i] = static_cast<std::int32_t>(best);
  }
  return {x, labels};
}

inline Mlp<double> make_model(const DistSetup& setup) {
  Rng rng(setup.seed + 1);
  return Mlp<double>(setup.sizes, he<double>(rng));
}

inline Var<double> batch_loss(Graph<double>& g, Mlp<double>& model, const Batch<double>& batch) {
  return softmax_xent(model.forward(g, g.input(batch.features)), batch.labels);
}

// One process, no MPI: the trajectory every data-parallel run must reproduce. Returns the
// loss of each step's global batch; `before_step(step)` may checkpoint.
template <class BeforeStep>
std::vector<double> train_reference(const DistSetup& setup, Mlp<double>& model, Adam<double>& adam,
                                    std::size_t steps, MiniBatches<double>& batches, BeforeStep before_step) {
  Graph<double> g;
  std::vector<double> losses;
  for (std::size_t step = 0; step < steps; ++step) {
    before_step(step);
    const Batch<double>& batch = batches.next();
    g.clear();
    Var<double> loss = batch_loss(g, model, batch);
    adam.zero_grad();
    g.backward(loss);
    adam.step();
    losses.push_back(loss.item());
  }
  (void)setup;
  return losses;
}

// The same steps data-parallel over `ddp`'s ranks: each rank takes its shard of each global
// batch, weights its mean loss, and the logged loss is the weighted sum over ranks / N.
// `pause_before_finish` sleeps between backward and finish() (a rank busy elsewhere).
inline std::vector<double> train_data_parallel(const Dataset<double>& data, Mlp<double>& model, Adam<double>& adam,
                                               dist::DataParallel<double>& ddp, dist::DistributedSampler& sampler,
                                               std::size_t steps, MPI_Comm communicator,
                                               std::chrono::milliseconds pause_before_finish = {}) {
  Graph<double> g;
  ddp.attach(g);
  Batch<double> shard;
  std::vector<double> losses;
  for (std::size_t step = 0; step < steps; ++step) {
    dist::gather_rows(data, sampler.next(), shard);
    g.clear();
    Var<double> loss = batch_loss(g, model, shard) * sampler.loss_weight();
    adam.zero_grad();
    g.backward(loss);
    if (pause_before_finish.count() > 0) std::this_thread::sleep_for(pause_before_finish);
    ddp.finish();
    adam.step();
    losses.push_back(dist::sum_in_rank_order(loss.item(), communicator) / ddp.size());
  }
  ddp.detach(g);
  return losses;
}

}  // namespace cgrad::test
