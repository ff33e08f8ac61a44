// chars: character-level language models of English words (makemore's ladder: bigram, MLP,
// LSTM, GRU, transformer) on cgrad. Trains one model on 90% of the word list, logs the
// training and validation loss in nats per character, prints sampled words. See --help.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli_checks.h"
#include "launch.h"
#include "optim/make_optimizer.h"
#include "run.h"

namespace {

using cgrad::examples::kUsageError;

void add_options(CLI::App& app, cgrad::chars::RunOptions& o, std::string& model, std::size_t& threads) {
  constexpr std::size_t kMaxSteps = 1'000'000'000;
  app.add_option("--model", model, "the model")
      ->check(CLI::IsMember({"bigram", "mlp", "lstm", "gru", "transformer"}))
      ->capture_default_str();
  app.add_option("--steps", o.steps,
                 "optimizer steps [default: bigram 1000, mlp 20000, lstm, gru and transformer 8000]; 0 "
                 "with --load only evaluates")
      ->check(CLI::Range(std::size_t{0}, kMaxSteps));
  app.add_option("--batch", o.batch, "words per step, shuffled each epoch from --seed [default: 64 bigram, else 32]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--log-every", o.log_every, "steps between loss lines [default: a tenth of --steps]")
      ->check(CLI::Range(std::size_t{1}, kMaxSteps));
  app.add_option("--optim", o.optimizer, "optimizer from optim/")
      ->check(CLI::IsMember(std::vector<std::string>(cgrad::kOptimizerNames.begin(), cgrad::kOptimizerNames.end())))
      ->capture_default_str();
  app.add_option("--lr", o.learning_rate,
                 "learning rate [default with adam: bigram 0.1, mlp 0.003, lstm and gru 0.005, transformer 0.003; "
                 "other optimizers: their own]")
      ->check(cgrad::examples::kFinite & CLI::Range(0.0, 1e6));
  app.add_option("--seed", o.seed, "random seed: initialisation, batch order and samples")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--threads", threads, "threads for the matrix products [default: all cores]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
  app.add_option("--samples", o.samples, "words to sample after training")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--words", o.words_file, "the word list, one word per line (Debian's wamerican)")
      ->capture_default_str();
  app.add_option("--out", o.out_dir, "directory for the loss-curve PNG")->capture_default_str();
  app.add_flag("!--no-progress", o.progress, "no progress line on stderr");
  app.add_option("--load", o.load, "start from this checkpoint of the same model (the parameters)");
  app.add_option("--save", o.save, "after training, write the parameters to this safetensors checkpoint");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chars: character-level language models of English words on cgrad", "chars"};
  cgrad::chars::RunOptions options;
  std::string model = "mlp";
  std::size_t threads = 0;
  add_options(app, options, model, threads);
  bool distributed = false;
  app.add_flag("--distributed", distributed,
               "data-parallel training under mpirun -np N: each rank trains on its shard of the words of every "
               "batch, the gradients are averaged (dist/); rank 0 evaluates, prints, writes the files and samples");
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv)) return *status;
  options.distributed = distributed;

  const cgrad::examples::Launch launch("chars", distributed, argc, argv);
  if (!launch.ready()) return kUsageError;
  return launch.run(threads, [&](std::FILE* out) {
    options.model = cgrad::chars::parse_model_kind(model);
    cgrad::chars::run(options, out);
  });
}
