#pragma once
// Training a word model on mini-batches of words, and its loss in nats per character.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cgrad.h"
#include "char_model.h"
#include "corpus.h"

namespace cgrad::chars {

struct TrainOptions {
  std::size_t steps = 1000;
  std::size_t batch = 32;       // words per step
  std::size_t log_every = 100;  // a log point every this many steps, and after the last
  std::uint64_t batch_seed = 0;
  // Data-parallel over MPI_COMM_WORLD (dist/, a build with MPI; MPI initialized): each rank
  // trains on its shard of the words of every global batch (the same batches as one
  // process), the gradients are averaged, and rank 0 alone evaluates (other ranks' val_loss
  // is NaN).
  bool distributed = false;
};

// A log point: after `step` updates. train_loss is the mean loss per character of the
// batches since the previous point (NaN at step 0); val_loss is over all the validation words.
struct LogPoint {
  std::size_t step = 0;
  std::size_t epoch = 0;  // completed passes over the training words
  double train_loss = 0.0;
  double val_loss = 0.0;
};

// "step 0: val loss 3.3202", "step 300 (epoch 0): train loss 2.3899, val loss 2.2564".
std::string format_log_point(const LogPoint& point);

struct TrainResult {
  std::vector<LogPoint> history;  // step 0 first
  double val_loss = 0.0;          // of the final parameters
  double ms_per_step = 0.0;       // the updates only, without the evaluations
};

using LogSink = std::function<void(const LogPoint&)>;
using StepSink = std::function<void(double loss)>;  // after each update, with its batch's loss

// Runs options.steps updates of `optimizer` (which holds model.parameters()), minimising
// the mean cross-entropy of every next character of the batch's words.
TrainResult train(CharModel& model, Optimizer<float>& optimizer, const Corpus& corpus, const TrainOptions& options,
                  const LogSink& log, const StepSink& progress);

// One optimizer step on `batch` in `graph` (cleared first): the mean next-character
// cross-entropy times loss_weight, backward, before_update (if any: the data-parallel
// gradient exchange), then the update. Returns the batch's mean loss. Once the graph and
// the optimizer have seen the batch's shapes, it allocates nothing.
double train_step(CharModel& model, Optimizer<float>& optimizer, Graph<float>& graph, const WordBatch& batch,
                  double loss_weight = 1.0, const std::function<void()>& before_update = {});

// Words per forward in evaluate: bounds the memory.
inline constexpr std::size_t kEvalChunk = 512;

// The mean next-character loss over every position of `words`, in nats per character
// (each word's final boundary counts as a character); in eval mode, recording no gradients.
// With `graph`, on that graph, which keeps its buffers for the next evaluation (train's
// evaluations reuse one: a fresh graph each time spent most of a short run in page faults).
double evaluate(CharModel& model, const std::vector<Word>& words);
double evaluate(CharModel& model, const std::vector<Word>& words, Graph<float>& graph);

}  // namespace cgrad::chars
