#include "train.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "data_parallel.h"
#include "progress.h"

namespace cgrad::digits {
namespace {

// Rows at a time when evaluating: bounds the CNN's activations on a large test set.
constexpr std::size_t kEvalChunk = 1000;

void copy_rows(const Dataset<float>& data, std::size_t first, std::size_t count, Batch<float>& out) {
  const std::size_t cols = data.features().cols();
  out.features.resize(Shape{count, cols});
  std::memcpy(out.features.data(), data.features().data() + first * cols, count * cols * sizeof(float));
  out.labels.assign(data.labels().begin() + static_cast<std::ptrdiff_t>(first),
                    data.labels().begin() + static_cast<std::ptrdiff_t>(first + count));
}

// Where each step's rows come from: MiniBatches in one process; distributed, this rank's
// shard of DataParallel's global batch (the same global batches MiniBatches gives).
class BatchSource {
 public:
  BatchSource(const Dataset<float>& data, const TrainOptions& options, examples::DataParallel& parallel)
      : data_(data), parallel_(parallel) {
    if (!parallel.distributed()) batches_.emplace(data, options.batch, options.seed);
  }
  std::size_t batches_per_epoch() const {
    return batches_ ? batches_->batches_per_epoch() : parallel_.batches_per_epoch();
  }
  // The next rows, and the factor on their mean loss that makes the ranks' averaged
  // gradient the global batch's (1 in one process).
  const Batch<float>& next(double& loss_weight) {
    if (batches_) {
      loss_weight = 1.0;
      return batches_->next();
    }
    parallel_.next_shard(data_, shard_);
    loss_weight = parallel_.loss_weight();
    return shard_;
  }

 private:
  const Dataset<float>& data_;
  examples::DataParallel& parallel_;
  std::optional<MiniBatches<float>> batches_;
  Batch<float> shard_;
};

}  // namespace

double train_step(Sequential<float>& model, Optimizer<float>& optimizer, Graph<float>& g, const Batch<float>& batch,
                  double loss_weight, const std::function<void()>& before_update) {
  g.clear();
  const Var<float> mean_loss = cross_entropy(model.forward(g, g.input(batch.features)), batch.labels);
  const Var<float> loss = loss_weight == 1.0 ? mean_loss : mean_loss * static_cast<float>(loss_weight);
  optimizer.zero_grad();
  g.backward(loss);
  if (before_update) before_update();
  optimizer.step();
  return mean_loss.item();
}

TrainSummary train(Sequential<float>& model, Optimizer<float>& optimizer, const DigitsData& data,
                   const TrainOptions& options, const std::function<void(const EpochResult&)>& on_epoch) {
  if (options.batch == 0) throw ValueError("train: the batch size must be at least 1");
  examples::DataParallel parallel(model.parameters(), options.distributed, data.train.size(), options.batch,
                                  options.seed);
  BatchSource source(data.train, options, parallel);
  const std::size_t steps_per_epoch = source.batches_per_epoch();
  examples::Progress progress(options.label, options.epochs * steps_per_epoch,
                              {.stream = options.progress && parallel.rank() == 0 ? stderr : nullptr});

  Graph<float> g;
  parallel.attach(g);
  TrainSummary summary;
  std::chrono::duration<double, std::milli> stepping{0};
  for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    double loss_sum = 0.0;  // this rank's: the mean loss of each shard times its rows
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < steps_per_epoch; ++s) {
      double weight = 1.0;
      const Batch<float>& batch = source.next(weight);
      const double value = train_step(model, optimizer, g, batch, weight, [&] { parallel.finish(); });
      loss_sum += value * static_cast<double>(batch.size());
      progress.step(value);
    }
    stepping += std::chrono::steady_clock::now() - start;
    summary.steps += steps_per_epoch;
    EpochResult result{epoch, parallel.sum_over_ranks(loss_sum) / static_cast<double>(data.train.size()),
                       evaluate(model, data.test)};
    on_epoch(result);
  }
  progress.finish();
  parallel.detach(g);
  summary.mean_step_ms = summary.steps > 0 ? stepping.count() / static_cast<double>(summary.steps) : 0.0;
  return summary;
}

Evaluation evaluate(Sequential<float>& model, const Dataset<float>& data) {
  model.eval();
  Graph<float> g;
  NoGradGuard<float> no_grad(g);
  Batch<float> chunk;
  Evaluation result;
  result.predicted.reserve(data.size());
  double loss_sum = 0.0;
  std::size_t correct = 0;
  for (std::size_t first = 0; first < data.size(); first += kEvalChunk) {
    const std::size_t rows = std::min(kEvalChunk, data.size() - first);
    copy_rows(data, first, rows, chunk);
    g.clear();
    const Var<float> scores = model.forward(g, g.input(chunk.features));
    loss_sum += static_cast<double>(cross_entropy(scores, chunk.labels).item()) * static_cast<double>(rows);
    const Tensor<float>& s = scores.value();
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = s.data() + r * s.cols();
      const auto best = static_cast<std::int32_t>(std::max_element(row, row + s.cols()) - row);
      result.predicted.push_back(best);
      correct += best == chunk.labels[r];
    }
  }
  model.train();
  result.loss = loss_sum / static_cast<double>(data.size());
  result.accuracy = static_cast<double>(correct) / static_cast<double>(data.size());
  return result;
}

Tensor<float> probabilities(Sequential<float>& model, const Tensor<float>& images) {
  model.eval();
  Graph<float> g;
  NoGradGuard<float> no_grad(g);
  Tensor<float> result = softmax(model.forward(g, g.input(images)), 1).value();
  model.train();
  return result;
}

}  // namespace cgrad::digits
