#pragma once
// Training a digits model with mini-batches (one process, or data-parallel under MPI) and
// measuring it on a test set.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "cgrad.h"
#include "digits_data.h"

namespace cgrad::digits {

struct TrainOptions {
  std::size_t epochs = 10;
  std::size_t batch = 32;
  // The batch order: MiniBatches (nn/dataset.h) seeded with this, reshuffled every epoch.
  std::uint64_t seed = 0;
  // Data-parallel over MPI_COMM_WORLD (dist/): every rank trains on its shard of each
  // global batch and the gradients are averaged. Needs MPI initialized.
  bool distributed = false;
  // A progress bar (or line) on stderr; rank 0 only.
  bool progress = true;
  std::string label = "digits";  // the progress line's
};

struct Evaluation {
  double loss = 0.0;  // mean cross-entropy
  double accuracy = 0.0;
  std::vector<std::int32_t> predicted;  // one class per row
};

struct EpochResult {
  std::size_t epoch = 0;     // 1-based
  double train_loss = 0.0;   // mean over the epoch's batches, weighted by their rows
  Evaluation test;
};

struct TrainSummary {
  std::size_t steps = 0;
  double mean_step_ms = 0.0;  // optimizer steps only: forward, backward, update
};

// Runs options.epochs passes over data.train with `optimizer` (which must hold the
// model's parameters), calling on_epoch after each with the test set's evaluation.
TrainSummary train(Sequential<float>& model, Optimizer<float>& optimizer, const DigitsData& data,
                   const TrainOptions& options, const std::function<void(const EpochResult&)>& on_epoch);

// One optimizer step on `batch` in `g` (cleared first): the mean cross-entropy times
// loss_weight, backward, before_update (if any: the data-parallel gradient exchange),
// then the update. Returns the batch's mean loss. After the first steps it allocates
// nothing: the graph and the optimizer reuse their buffers.
double train_step(Sequential<float>& model, Optimizer<float>& optimizer, Graph<float>& g, const Batch<float>& batch,
                  double loss_weight = 1.0, const std::function<void()>& before_update = {});

// Loss, accuracy and predictions of the model on all of `data`; records no gradients.
Evaluation evaluate(Sequential<float>& model, const Dataset<float>& data);

// Class probabilities (softmax of the scores) for each row of `images` [n, side²].
Tensor<float> probabilities(Sequential<float>& model, const Tensor<float>& images);

}  // namespace cgrad::digits
