#include "train.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#if CGRAD_SPIRAL_DISTRIBUTED
#include "dist/data_parallel.h"
#include "dist/environment.h"
#include "dist/sampler.h"
#endif

namespace cgrad::spiral {
namespace {

void check_options(const TrainOptions& options) {
  if (!std::isfinite(options.reg) || options.reg < 0.0)
    throw ValueError(fmt::format("train: reg must be finite and >= 0, got {}", options.reg));
  if (options.log_every == 0) throw ValueError("train: log_every must be at least 1");
  if (options.batch == std::size_t{0}) throw ValueError("train: the batch size must be at least 1");
#if !CGRAD_SPIRAL_DISTRIBUTED
  if (options.distributed) throw ValueError("train: distributed training needs a build with MPI (dist/)");
#endif
}

#if CGRAD_SPIRAL_DISTRIBUTED
// The data-parallel loop: every rank draws the same global batches (the full data when no
// batch size is given) and trains on its shard; the logged loss is the global batch's.
template <Real T>
void train_data_parallel(Network<T>& network, Optimizer<T>& optimizer, const SpiralData<T>& data,
                         const TrainOptions& options, const LogSink& log) {
  const auto reg = static_cast<T>(options.reg);
  const Dataset<T> dataset(data.features, data.labels);
  dist::DataParallel<T> ddp(network.parameters());
  dist::DistributedSampler sampler(dataset.size(), options.batch.value_or(dataset.size()), options.batch_seed,
                                   ddp.rank(), ddp.size());
  Graph<T> g;
  ddp.attach(g);
  Batch<T> shard;
  for (std::size_t i = 0; i < options.iterations; ++i) {
    dist::gather_rows(dataset, sampler.next(), shard);
    g.clear();
    Var<T> loss = network.loss(g, g.input(shard.features), shard.labels, reg) * static_cast<T>(sampler.loss_weight());
    if (i % options.log_every == 0) {
      const double global = dist::sum_in_rank_order(static_cast<double>(loss.item())) / ddp.size();
      log(fmt::format("iteration {}: loss {:.6f}", i, global));
    }
    optimizer.zero_grad();
    g.backward(loss);
    ddp.finish();
    optimizer.step();
  }
  ddp.detach(g);
}
#endif

}  // namespace

template <Real T>
TrainResult train(Network<T>& network, Optimizer<T>& optimizer, const SpiralData<T>& data,
                  const TrainOptions& options, const LogSink& log) {
  check_options(options);
  const auto reg = static_cast<T>(options.reg);
  // Mini-batches copy their rows out of a Dataset; full-batch training uses the data as is.
  std::optional<Dataset<T>> dataset;
  std::optional<MiniBatches<T>> batches;
  if (options.batch) {
    dataset.emplace(data.features, data.labels);
    batches.emplace(*dataset, *options.batch, options.batch_seed);
  }

  Graph<T> g;
  const auto start = std::chrono::steady_clock::now();
#if CGRAD_SPIRAL_DISTRIBUTED
  if (options.distributed) train_data_parallel(network, optimizer, data, options, log);
#endif
  for (std::size_t i = 0; !options.distributed && i < options.iterations; ++i) {
    g.clear();
    Var<T> loss;
    if (batches) {
      const Batch<T>& batch = batches->next();
      loss = network.loss(g, g.input(batch.features), batch.labels, reg);
    } else {
      loss = network.loss(g, g.input(data.features), data.labels, reg);
    }
    if (i % options.log_every == 0) log(fmt::format("iteration {}: loss {:.6f}", i, loss.item()));
    optimizer.zero_grad();
    g.backward(loss);
    optimizer.step();
  }
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;

  TrainResult result = evaluate(network, data, options.reg);
  result.microseconds_per_iteration =
      options.iterations > 0 ? elapsed.count() / static_cast<double>(options.iterations) : 0.0;
  return result;
}

template <Real T>
TrainResult evaluate(Network<T>& network, const SpiralData<T>& data, double reg) {
  Graph<T> g;
  TrainResult result;
  {
    NoGradGuard<T> no_grad(g);
    result.loss = network.loss(g, g.input(data.features), data.labels, static_cast<T>(reg)).item();
  }
  const std::vector<std::int32_t> predicted = network.predict(g, data.features);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.labels[i];
  result.accuracy = static_cast<double>(correct) / static_cast<double>(predicted.size());
  return result;
}

template TrainResult train<float>(Network<float>&, Optimizer<float>&, const SpiralData<float>&,
                                  const TrainOptions&, const LogSink&);
template TrainResult train<double>(Network<double>&, Optimizer<double>&, const SpiralData<double>&,
                                   const TrainOptions&, const LogSink&);
template TrainResult evaluate<float>(Network<float>&, const SpiralData<float>&, double);
template TrainResult evaluate<double>(Network<double>&, const SpiralData<double>&, double);

}  // namespace cgrad::spiral
