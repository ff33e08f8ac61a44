#include "train.h"

#include <chrono>
#include <limits>

#include <optional>
#include <span>

#include <fmt/format.h>

#include "data_parallel.h"

namespace cgrad::chars {

std::string format_log_point(const LogPoint& point) {
  if (point.step == 0) return fmt::format("step 0: val loss {:.4f}", point.val_loss);
  return fmt::format("step {} (epoch {}): train loss {:.4f}, val loss {:.4f}", point.step, point.epoch,
                     point.train_loss, point.val_loss);
}

double evaluate(CharModel& model, const std::vector<Word>& words) {
  Graph<float> graph;
  return evaluate(model, words, graph);
}

double evaluate(CharModel& model, const std::vector<Word>& words, Graph<float>& graph) {
  const bool was_training = model.is_training();
  model.eval();
  const NoGradGuard<float> no_grad(graph);
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

double train_step(CharModel& model, Optimizer<float>& optimizer, Graph<float>& graph, const WordBatch& batch,
                  double loss_weight, const std::function<void()>& before_update) {
  graph.clear();
  const Var<float> mean_loss = cross_entropy(model.logits(graph, batch.inputs), batch.targets);
  const Var<float> loss = loss_weight == 1.0 ? mean_loss : mean_loss * static_cast<float>(loss_weight);
  optimizer.zero_grad();
  graph.backward(loss);
  if (before_update) before_update();
  optimizer.step();
  return static_cast<double>(mean_loss.item());
}

namespace {

// Where each step's words come from: WordBatches in one process; distributed, this rank's
// shard of DataParallel's global batch (the same global batches, in the same order: both
// shuffle with Rng(seed)'s Fisher–Yates).
class BatchSource {
 public:
  BatchSource(const std::vector<Word>& words, const TrainOptions& options, examples::DataParallel& parallel)
      : words_(words), parallel_(parallel) {
    if (!parallel.distributed()) batches_.emplace(words, options.batch, options.batch_seed);
  }
  // The next batch, and the characters of the global batch it is part of (its own in one
  // process): counted from the global batch's words, which every rank knows, so the count
  // costs no exchange.
  const WordBatch& next(double& global_characters) {
    if (batches_) {
      const WordBatch& batch = batches_->next();
      global_characters = static_cast<double>(batch.targets.size());
      return batch;
    }
    shard_words_.clear();
    for (const std::size_t i : parallel_.next_shard()) shard_words_.push_back(&words_[i]);
    fill_batch(shard_words_, shard_);
    std::size_t characters = 0;  // fill_batch's targets: each word but its first token
    for (const std::size_t i : parallel_.global_batch()) characters += words_[i].size() - 1;
    global_characters = static_cast<double>(characters);
    return shard_;
  }
  // Completed passes over the words, counted as WordBatches does (an epoch ends when the
  // batch after its last is drawn).
  std::size_t epoch(std::size_t steps_done) const {
    if (batches_) return batches_->epoch();
    return steps_done == 0 ? 0 : (steps_done - 1) / parallel_.batches_per_epoch();
  }

 private:
  const std::vector<Word>& words_;
  examples::DataParallel& parallel_;
  std::optional<WordBatches> batches_;
  std::vector<const Word*> shard_words_;
  WordBatch shard_;
};

}  // namespace

TrainResult train(CharModel& model, Optimizer<float>& optimizer, const Corpus& corpus, const TrainOptions& options,
                  const LogSink& log, const StepSink& progress) {
  if (options.log_every == 0) throw ValueError("log_every must be > 0");
  if (options.batch == 0) throw ValueError("the batch size must be > 0");
  examples::DataParallel parallel(model.parameters(), options.distributed, corpus.train.size(), options.batch,
                                  options.batch_seed, /*global_batches=*/true);
  const int rank = parallel.rank(), ranks = parallel.size();
  BatchSource batches(corpus.train, options, parallel);
  TrainResult result;
  Graph<float> eval_graph;
  const auto record = [&](LogPoint point) {
    // Every rank holds the same parameters: rank 0 alone evaluates (and prints).
    point.val_loss =
        rank == 0 ? evaluate(model, corpus.validation, eval_graph) : std::numeric_limits<double>::quiet_NaN();
    result.history.push_back(point);
    log(point);
  };
  record({.step = 0, .epoch = 0, .train_loss = std::numeric_limits<double>::quiet_NaN()});

  Graph<float> graph;
  parallel.attach(graph);
  model.train();
  double loss_sum = 0.0;  // this rank's since the last log point, weighted by characters
  double loss_positions = 0.0;  // the global batches' characters since the last log point
  std::chrono::duration<double, std::milli> training{0};
  for (std::size_t step = 1; step <= options.steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    // The loss is a mean over the global batch's characters, so each rank's mean over its
    // shard is weighted by N * shard characters / global characters, and the ranks'
    // averaged gradient is the global batch's (exactly the weight 1 in one process).
    double global_characters = 0.0;
    const WordBatch& batch = batches.next(global_characters);
    const auto characters = static_cast<double>(batch.targets.size());
    const double weight = static_cast<double>(ranks) * characters / global_characters;
    const double mean_loss = train_step(model, optimizer, graph, batch, weight, [&] { parallel.finish(); });
    training += std::chrono::steady_clock::now() - start;
    loss_sum += mean_loss * characters;
    loss_positions += global_characters;
    if (progress) progress(mean_loss);
    if (step % options.log_every == 0 || step == options.steps) {
      record({.step = step,
              .epoch = batches.epoch(step),
              .train_loss = parallel.sum_over_ranks(loss_sum) / loss_positions});
      loss_sum = 0.0;
      loss_positions = 0.0;
    }
  }
  parallel.detach(graph);
  result.val_loss = result.history.back().val_loss;
  if (options.steps > 0) result.ms_per_step = training.count() / static_cast<double>(options.steps);
  return result;
}

}  // namespace cgrad::chars
