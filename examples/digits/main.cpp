// digits: handwritten digit classifiers on cgrad (logistic regression, an MLP, a small
// CNN) on the built-in 8×8 digits or an MNIST-layout directory. Prints a line per epoch
// and the test accuracy, writes pictures, saves and loads checkpoints, classifies a
// picture file. See --help.
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

using cgrad::examples::kFinite;
using cgrad::examples::kUsageError;

std::string defaults_help() {
  std::string help = "[defaults per model:";
  for (auto kind : {cgrad::digits::ModelKind::Logreg, cgrad::digits::ModelKind::Mlp, cgrad::digits::ModelKind::Cnn}) {
    const cgrad::digits::Defaults d = cgrad::digits::defaults(kind);
    help += fmt::format(" {} {} epochs, batch {}, {} lr {};", cgrad::digits::model_name(kind), d.epochs, d.batch,
                        d.optimizer, d.lr);
  }
  return help + "]";
}

void add_options(CLI::App& app, cgrad::digits::RunOptions& o, std::string& model, std::size_t& threads) {
  app.add_option("--model", model, "logreg: Linear(64,10); mlp: 64-128-10 ReLU; cnn: two conv-pool blocks")
      ->check(CLI::IsMember({"logreg", "mlp", "cnn"}))
      ->capture_default_str();
  app.add_option("--epochs", o.epochs, "passes over the training set [default: per model; 0 with --load] " + defaults_help())
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  app.add_option("--batch", o.batch, "rows per optimizer step, shuffled each epoch from --seed")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--optim", o.optimizer, "optimizer from optim/ (naming one makes --lr default to its own default)")
      ->check(CLI::IsMember(std::vector<std::string>(cgrad::kOptimizerNames.begin(), cgrad::kOptimizerNames.end())));
  app.add_option("--lr", o.lr, "learning rate")->check(kFinite & CLI::Range(0.0, 1e6));
  app.add_option("--seed", o.seed, "seed of the initialisation, the batch order and the built-in set's 80/20 split")
      ->capture_default_str();
  app.add_option("--threads", threads, "threads for the kernels [default: all cores]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
  app.add_option("--data", o.data_dir,
                 "a directory with MNIST's four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                 "t10k-...; .gz or not), e.g. MNIST or Fashion-MNIST [default: the built-in 8x8 digits]")
      ->check(CLI::ExistingDirectory);
  app.add_option("--save", o.save, "after training, write the parameters and optimizer state (safetensors)");
  app.add_option("--load", o.load, "start from this checkpoint of the same --model (and --data image size)")
      ->check(CLI::ExistingFile);
  app.add_option("--predict", o.predict,
                 "after training, classify this picture (PNG, JPEG, ...; any size, scaled to the model's input): "
                 "prints the digit and the 10 probabilities")
      ->check(CLI::ExistingFile);
  app.add_option("--out", o.out_dir, "directory for the PNG pictures")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"digits: handwritten digit classifiers on cgrad", "digits"};
  cgrad::digits::RunOptions options;
  std::string model = "mlp";
  std::size_t threads = 0;
  add_options(app, options, model, threads);
  bool no_progress = false;
  app.add_flag("--no-progress", no_progress, "no progress bar (or line) on stderr");
  bool distributed = false;
  app.add_flag("--distributed", distributed,
               "data-parallel training under mpirun -np N: each rank trains on its shard of every batch, the "
               "gradients are averaged (dist/); rank 0 prints and writes the files");
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv)) return *status;
  options.model = cgrad::digits::parse_model(model);
  options.progress = !no_progress;
  options.distributed = distributed;

  const cgrad::examples::Launch launch("digits", distributed, argc, argv);
  if (!launch.ready()) return kUsageError;
  return launch.run(threads, [&](std::FILE* out) { cgrad::digits::run(options, out); });
}
