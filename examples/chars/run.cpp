#include "run.h"

#include <cmath>

#include <fmt/format.h>

#include "nn/checkpoint.h"
#include "optim/make_optimizer.h"
#include "sample.h"
#include "train.h"

namespace cgrad::chars {

TrainingDefaults default_training(ModelKind kind) {
  switch (kind) {
    case ModelKind::Bigram: return {.steps = 1000, .batch = 64, .adam_lr = 0.1};
    case ModelKind::Mlp: return {.steps = 6000, .batch = 32, .adam_lr = 3e-3};
    case ModelKind::Lstm: return {.steps = 3000, .batch = 32, .adam_lr = 1e-2};
    case ModelKind::Gru: return {.steps = 3000, .batch = 32, .adam_lr = 1e-2};
    case ModelKind::Transformer: return {.steps = 2000, .batch = 32, .adam_lr = 1e-3};
  }
  throw ValueError("chars: invalid model kind");
}

namespace {

std::string format_point(const LogPoint& point) {
  if (point.step == 0) return fmt::format("step 0: val loss {:.4f}", point.val_loss);
  return fmt::format("step {} (epoch {}): train loss {:.4f}, val loss {:.4f}", point.step, point.epoch,
                     point.train_loss, point.val_loss);
}

}  // namespace

void run(const RunOptions& options, std::FILE* out) {
  const TrainingDefaults defaults = default_training(options.model);
  const std::string_view name = model_name(options.model);
  const Corpus corpus = encode_split(data::split_words(data::load_words(options.words_file), kValidationFraction, kSplitSeed));

  Rng init(init_seed(options.seed));
  const auto model = make_model(options.model, default_sizes(options.model), init);
  const std::optional<double> lr =
      options.learning_rate ? options.learning_rate
                            : (options.optimizer == "adam" ? std::optional(defaults.adam_lr) : std::nullopt);
  const auto optimizer = make_optimizer<float>(options.optimizer, model->parameters(), lr);
  if (options.load) load_checkpoint(*options.load, *model);

  std::size_t parameters = 0;
  for (const auto* p : model->parameters()) parameters += p->value().size();
  fmt::print(out, "chars {}: {} training words, {} validation words, {} parameters\n", name, corpus.train.size(),
             corpus.validation.size(), parameters);

  TrainOptions train_options;
  train_options.steps = options.steps.value_or(defaults.steps);
  train_options.batch = options.batch.value_or(defaults.batch);
  train_options.log_every = options.log_every.value_or(std::max<std::size_t>(1, train_options.steps / 10));
  train_options.batch_seed = batch_seed(options.seed);
  const TrainResult result = train(
      *model, *optimizer, corpus, train_options,
      [&](const LogPoint& point) {
        fmt::print(out, "{}\n", format_point(point));
        std::fflush(out);
      },
      nullptr);

  if (options.save) save_checkpoint(*options.save, *model);
  fmt::print(out, "chars {}: val loss {:.4f}\n", name, result.val_loss);
  fmt::print(out, "chars {}: {:.3f} ms per step\n", name, result.ms_per_step);
  Rng sampler(sample_seed(options.seed));
  for (const std::string& word : sample_words(*model, options.samples, sampler)) fmt::print(out, "sample: {}\n", word);
}

}  // namespace cgrad::chars
