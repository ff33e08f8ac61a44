#pragma once
// What the chars example does once its command line is parsed: the word list, split 90/10,
// one model trained on it, its losses logged, an optional checkpoint, sampled words.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "char_model.h"
#include "words.h"

namespace cgrad::chars {

struct RunOptions {
  ModelKind model = ModelKind::Mlp;
  std::optional<std::size_t> steps;      // default: the model's (default_training)
  std::optional<std::size_t> batch;      // words per step
  std::optional<std::size_t> log_every;  // default: steps / 10
  std::string optimizer = "adam";        // one of kOptimizerNames (optim/make_optimizer.h)
  std::optional<double> learning_rate;   // default: the model's with adam, else the optimizer's
  std::uint64_t seed = 0;
  std::size_t samples = 20;
  std::string words_file = data::kWordListFile;
  std::string out_dir = "out";
  std::optional<std::string> load;  // parameters to start from (nn/checkpoint.h)
  std::optional<std::string> save;  // the trained parameters
  bool progress = true;             // the progress line on stderr
  // Data-parallel training under mpirun (TrainOptions::distributed; MPI initialized): rank 0
  // alone evaluates, prints the progress line, writes the files and samples.
  bool distributed = false;
};

// The training defaults of a model: about a minute on one thread, and the validation loss
// ladder bigram > mlp > lstm, gru > transformer.
struct TrainingDefaults {
  std::size_t steps;
  std::size_t batch;
  double adam_lr;
};
TrainingDefaults default_training(ModelKind kind);

// The streams a seed gives, so that the LibTorch twin draws the same numbers: the
// initialisation, the order of the batches and the samples.
inline std::uint64_t init_seed(std::uint64_t seed) { return seed; }
inline std::uint64_t batch_seed(std::uint64_t seed) { return seed + 1; }
inline std::uint64_t sample_seed(std::uint64_t seed) { return seed + 2; }

// The fixed split of the words, the same for every seed and model.
inline constexpr double kValidationFraction = 0.1;
inline constexpr std::uint64_t kSplitSeed = 0;

// Prints to out; throws cgrad::Error (ValueError, IoError) on bad options or files.
void run(const RunOptions& options, std::FILE* out);

}  // namespace cgrad::chars
