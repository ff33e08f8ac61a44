#include "run.h"

#include <cmath>

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "charts.h"
#include "data_parallel.h"
#include "progress.h"

#include "nn/checkpoint.h"
#include "optim/make_optimizer.h"
#include "sample.h"
#include "train.h"

namespace cgrad::chars {

TrainingDefaults default_training(ModelKind kind) {
  switch (kind) {
    case ModelKind::Bigram: return {.steps = 1000, .batch = 64, .adam_lr = 0.1};
    case ModelKind::Mlp: return {.steps = 20000, .batch = 32, .adam_lr = 3e-3};
    case ModelKind::Lstm: return {.steps = 8000, .batch = 32, .adam_lr = 5e-3};
    case ModelKind::Gru: return {.steps = 8000, .batch = 32, .adam_lr = 5e-3};
    case ModelKind::Transformer: return {.steps = 8000, .batch = 32, .adam_lr = 3e-3};
  }
  throw ValueError("invalid model kind");
}

namespace {

// The training and validation losses against the epoch (a fraction after each step: the
// words seen over the training words).
void write_loss_png(const std::string& path, std::string_view name, const TrainResult& result, std::size_t batch,
                    std::size_t train_words) {
  examples::Series train{.name = "train", .xs = {}, .ys = {}}, validation{.name = "validation", .xs = {}, .ys = {}};
  for (const LogPoint& point : result.history) {
    const double epoch = static_cast<double>(point.step * batch) / static_cast<double>(train_words);
    if (point.step > 0) {
      train.xs.push_back(epoch);
      train.ys.push_back(point.train_loss);
    }
    validation.xs.push_back(epoch);
    validation.ys.push_back(point.val_loss);
  }
  std::vector<examples::Series> series;
  if (!train.xs.empty()) series.push_back(std::move(train));
  series.push_back(std::move(validation));
  examples::write_loss_curves_png(path, fmt::format("chars {}: loss per character (nats)", name), series);
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

  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) throw IoError(fmt::format("cannot create the directory {}: {}", options.out_dir, error.message()));

  std::size_t parameters = 0;
  for (const auto* p : model->parameters()) parameters += p->value().size();
  fmt::print(out, "chars {}: {} training words, {} validation words, {} parameters\n", name, corpus.train.size(),
             corpus.validation.size(), parameters);

  TrainOptions train_options;
  train_options.steps = options.steps.value_or(defaults.steps);
  train_options.batch = options.batch.value_or(defaults.batch);
  train_options.log_every = options.log_every.value_or(std::max<std::size_t>(1, train_options.steps / 10));
  train_options.batch_seed = batch_seed(options.seed);
  train_options.distributed = options.distributed;
  const bool root = examples::is_root(options.distributed);
  examples::Progress progress(fmt::format("chars {}", name), train_options.steps,
                              {.stream = options.progress && root ? stderr : nullptr});
  const TrainResult result = train(
      *model, *optimizer, corpus, train_options,
      [&](const LogPoint& point) {
        fmt::print(out, "{}\n", format_log_point(point));
        std::fflush(out);
      },
      [&](double loss) { progress.step(loss); });
  progress.finish();

  if (options.save && root) save_checkpoint(*options.save, *model);
  fmt::print(out, "chars {}: val loss {:.4f}\n", name, result.val_loss);
  fmt::print(out, "chars {}: {:.3f} ms per step\n", name, result.ms_per_step);
  if (!root) return;
  const std::string png = (std::filesystem::path(options.out_dir) / fmt::format("chars_{}_loss.png", name)).string();
  write_loss_png(png, name, result, train_options.batch, corpus.train.size());
  Rng sampler(sample_seed(options.seed));
  for (const std::string& word : sample_words(*model, options.samples, sampler)) fmt::print(out, "sample: {}\n", word);
}

}  // namespace cgrad::chars
