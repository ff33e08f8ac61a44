#include "train.h"

#include <chrono>
#include <limits>

#include <fmt/format.h>

namespace cgrad::chars {

std::string format_log_point(const LogPoint& point) {
  if (point.step == 0) return fmt::format("step 0: val loss {:.4f}", point.val_loss);
  return fmt::format("step {} (epoch {}): train loss {:.4f}, val loss {:.4f}", point.step, point.epoch,
                     point.train_loss, point.val_loss);
}

double evaluate(CharModel& model, const std::vector<Word>& words) {
  const bool was_training = model.is_training();
  model.eval();
  Graph<float> graph;
  WordBatch batch;
  std::vector<const Word*> chunk;
  double total = 0.0;
  std::size_t positions = 0;
  for (std::size_t begin = 0; begin < words.size(); begin += kEvalChunk) {
    chunk.clear();
    for (std::size_t i = begin; i < std::min(words.size(), begin + kEvalChunk); ++i) chunk.push_back(&words[i]);
    fill_batch(chunk, batch);
    graph.clear();
    const Var<float> loss = cross_entropy(model.logits(graph, batch.inputs), batch.targets);
    total += static_cast<double>(loss.item()) * static_cast<double>(batch.targets.size());
    positions += batch.targets.size();
  }
  model.train(was_training);
  return total / static_cast<double>(positions);
}

TrainResult train(CharModel& model, Optimizer<float>& optimizer, const Corpus& corpus, const TrainOptions& options,
                  const LogSink& log, const StepSink& progress) {
  if (options.log_every == 0) throw ValueError("log_every must be > 0");
  TrainResult result;
  const auto record = [&](LogPoint point) {
    point.val_loss = evaluate(model, corpus.validation);
    result.history.push_back(point);
    log(point);
  };
  record({.step = 0, .epoch = 0, .train_loss = std::numeric_limits<double>::quiet_NaN()});

  WordBatches batches(corpus.train, options.batch, options.batch_seed);
  Graph<float> graph;
  model.train();
  double loss_sum = 0.0;  // since the last log point, weighted by characters
  std::size_t loss_positions = 0;
  std::chrono::duration<double, std::milli> training{0};
  for (std::size_t step = 1; step <= options.steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    const WordBatch& batch = batches.next();
    graph.clear();
    const Var<float> loss = cross_entropy(model.logits(graph, batch.inputs), batch.targets);
    optimizer.zero_grad();
    graph.backward(loss);
    optimizer.step();
    training += std::chrono::steady_clock::now() - start;
    loss_sum += static_cast<double>(loss.item()) * static_cast<double>(batch.targets.size());
    loss_positions += batch.targets.size();
    if (progress) progress(static_cast<double>(loss.item()));
    if (step % options.log_every == 0 || step == options.steps) {
      record({.step = step, .epoch = batches.epoch(), .train_loss = loss_sum / static_cast<double>(loss_positions)});
      loss_sum = 0.0;
      loss_positions = 0;
    }
  }
  result.val_loss = result.history.back().val_loss;
  if (options.steps > 0) result.ms_per_step = training.count() / static_cast<double>(options.steps);
  return result;
}

}  // namespace cgrad::chars
