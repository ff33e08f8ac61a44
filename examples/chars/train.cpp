#include "train.h"

#include <chrono>
#include <limits>

#include <optional>
#include <span>

#include <fmt/format.h>

#if CGRAD_CHARS_DISTRIBUTED
#include "dist/data_parallel.h"
#include "dist/sampler.h"
#endif

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

namespace {

// Where each step's words come from: WordBatches in one process; under MPI, this rank's
// shard of DistributedSampler's global batch (the same global batches, in the same order:
// both shuffle with Rng(seed)'s Fisher–Yates).
class BatchSource {
 public:
  // Both sources are built in place in the initializer list, not emplaced into empty
  // optionals in the body: GCC 12 warned (-Wmaybe-uninitialized) of a vector in emplace's
  // reset of the empty optional.
  BatchSource(const std::vector<Word>& words, const TrainOptions& options, int rank, int ranks)
      : batches_(sharded(options) ? std::nullopt
                                  : std::optional<WordBatches>(std::in_place, words, options.batch, options.batch_seed))
#if CGRAD_CHARS_DISTRIBUTED
        ,
        words_(options.distributed ? &words : nullptr),
        sampler_(options.distributed ? std::optional<dist::DistributedSampler>(
                                           std::in_place, words.size(), options.batch, options.batch_seed, rank, ranks)
                                     : std::nullopt)
#endif
  {
#if !CGRAD_CHARS_DISTRIBUTED
    (void)rank;
    (void)ranks;
#endif
  }
  // Whether this rank reads a shard of each global batch (only in a build with MPI).
  static bool sharded(const TrainOptions& options) {
#if CGRAD_CHARS_DISTRIBUTED
    return options.distributed;
#else
    (void)options;
    return false;
#endif
  }
  const WordBatch& next() {
#if CGRAD_CHARS_DISTRIBUTED
    if (sampler_) {
      shard_words_.clear();
      for (const std::size_t i : sampler_->next()) shard_words_.push_back(&(*words_)[i]);
      fill_batch(shard_words_, shard_);
      return shard_;
    }
#endif
    return batches_->next();
  }
  // Completed passes over the words, counted as WordBatches does (an epoch ends when the
  // batch after its last is drawn).
  std::size_t epoch(std::size_t steps_done) const {
#if CGRAD_CHARS_DISTRIBUTED
    if (sampler_) return steps_done == 0 ? 0 : (steps_done - 1) / sampler_->batches_per_epoch();
#else
    (void)steps_done;
#endif
    return batches_->epoch();
  }

 private:
  std::optional<WordBatches> batches_;
#if CGRAD_CHARS_DISTRIBUTED
  const std::vector<Word>* words_ = nullptr;
  std::optional<dist::DistributedSampler> sampler_;
  std::vector<const Word*> shard_words_;
  WordBatch shard_;
#endif
};

// The sum of every rank's value, added in rank order (the value itself in one process).
double sum_over_ranks(double value, bool distributed) {
#if CGRAD_CHARS_DISTRIBUTED
  if (distributed) return dist::sum_in_rank_order(value);
#else
  (void)distributed;
#endif
  return value;
}

}  // namespace

TrainResult train(CharModel& model, Optimizer<float>& optimizer, const Corpus& corpus, const TrainOptions& options,
                  const LogSink& log, const StepSink& progress) {
  if (options.log_every == 0) throw ValueError("log_every must be > 0");
  if (options.batch == 0) throw ValueError("the batch size must be > 0");
  int rank = 0, ranks = 1;
#if CGRAD_CHARS_DISTRIBUTED
  std::optional<dist::DataParallel<float>> ddp;
  if (options.distributed) {
    ddp.emplace(model.parameters());
    rank = ddp->rank();
    ranks = ddp->size();
  }
#else
  if (options.distributed) throw ValueError("train: distributed training needs a build with MPI (dist/)");
#endif
  BatchSource batches(corpus.train, options, rank, ranks);
  TrainResult result;
  const auto record = [&](LogPoint point) {
    // Every rank holds the same parameters: rank 0 alone evaluates (and prints).
    point.val_loss = rank == 0 ? evaluate(model, corpus.validation) : std::numeric_limits<double>::quiet_NaN();
    result.history.push_back(point);
    log(point);
  };
  record({.step = 0, .epoch = 0, .train_loss = std::numeric_limits<double>::quiet_NaN()});

  Graph<float> graph;
#if CGRAD_CHARS_DISTRIBUTED
  if (ddp) ddp->attach(graph);
#endif
  model.train();
  double loss_sum = 0.0;  // this rank's since the last log point, weighted by characters
  double loss_positions = 0.0;  // the global batches' characters since the last log point
  std::chrono::duration<double, std::milli> training{0};
  for (std::size_t step = 1; step <= options.steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    const WordBatch& batch = batches.next();
    const auto characters = static_cast<double>(batch.targets.size());
    // The global batch's characters: the loss is a mean over them, so each rank's mean over
    // its shard is weighted by N * shard characters / global characters, and the ranks'
    // averaged gradient is the global batch's (exactly the weight 1 in one process).
    const double global_characters = sum_over_ranks(characters, options.distributed);
    graph.clear();
    const Var<float> mean_loss = cross_entropy(model.logits(graph, batch.inputs), batch.targets);
    const double weight = static_cast<double>(ranks) * characters / global_characters;
    const Var<float> loss = ranks == 1 ? mean_loss : mean_loss * static_cast<float>(weight);
    optimizer.zero_grad();
    graph.backward(loss);
#if CGRAD_CHARS_DISTRIBUTED
    if (ddp) ddp->finish();
#endif
    optimizer.step();
    training += std::chrono::steady_clock::now() - start;
    loss_sum += static_cast<double>(mean_loss.item()) * characters;
    loss_positions += global_characters;
    if (progress) progress(static_cast<double>(mean_loss.item()));
    if (step % options.log_every == 0 || step == options.steps) {
      record({.step = step,
              .epoch = batches.epoch(step),
              .train_loss = sum_over_ranks(loss_sum, options.distributed) / loss_positions});
      loss_sum = 0.0;
      loss_positions = 0.0;
    }
  }
#if CGRAD_CHARS_DISTRIBUTED
  if (ddp) ddp->detach(graph);
#endif
  result.val_loss = result.history.back().val_loss;
  if (options.steps > 0) result.ms_per_step = training.count() / static_cast<double>(options.steps);
  return result;
}

}  // namespace cgrad::chars
