#pragma once
// Training on the spiral data with any optimizer from optim/, on the full data (the
// seed's full-batch gradient descent) or on shuffled mini-batches, logged in the seed's form.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "cgrad.h"
#include "model.h"
#include "spiral_data.h"

namespace cgrad::spiral {

struct TrainOptions {
  std::size_t iterations = 200;  // optimizer steps
  double reg = 1e-3;
  std::size_t log_every = 10;  // a log line when iteration % log_every == 0
  // Rows per step, drawn by nn/ MiniBatches (shuffled each epoch from batch_seed);
  // unset: every step sees all the data, as the seed does.
  std::optional<std::size_t> batch = std::nullopt;
  std::uint64_t batch_seed = 0;
  // Data-parallel over MPI_COMM_WORLD (dist/): each rank trains on its shard of every
  // batch (the full data, or a mini-batch) and the gradients are averaged, so the
  // parameters follow the one-process run's within rounding. Needs MPI initialized.
  bool distributed = false;
};

struct TrainResult {
  // Loss and accuracy on all the data of the parameters training ends with (after the
  // last update); the last log line shows the loss before its iteration's update, as the
  // seed prints.
  double loss = 0.0;
  double accuracy = 0.0;
  double microseconds_per_iteration = 0.0;  // the training loop only
};

// Receives each log line, without a newline: "iteration 190: loss 0.786302". The loss is
// that of the step's batch: all the data in full-batch training, else the mini-batch.
using LogSink = std::function<void(std::string_view line)>;

// Runs options.iterations steps of `optimizer`, which must hold network.parameters().
// The seed's update is Sgd with lr 1.0 (p -= lr * dp). Throws cgrad::ValueError for a
// non-finite or negative reg, log_every == 0 or batch == 0.
template <Real T>
TrainResult train(Network<T>& network, Optimizer<T>& optimizer, const SpiralData<T>& data,
                  const TrainOptions& options, const LogSink& log);

// Loss (with the L2 term) and accuracy of the network on all of `data`; records nothing.
template <Real T>
TrainResult evaluate(Network<T>& network, const SpiralData<T>& data, double reg);

extern template TrainResult train<float>(Network<float>&, Optimizer<float>&, const SpiralData<float>&,
                                         const TrainOptions&, const LogSink&);
extern template TrainResult train<double>(Network<double>&, Optimizer<double>&, const SpiralData<double>&,
                                          const TrainOptions&, const LogSink&);
extern template TrainResult evaluate<float>(Network<float>&, const SpiralData<float>&, double);
extern template TrainResult evaluate<double>(Network<double>&, const SpiralData<double>&, double);

}  // namespace cgrad::spiral
