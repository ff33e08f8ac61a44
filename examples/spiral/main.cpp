// spiral: the seed document's examples on cgrad. Generates the spiral data, trains the
// linear softmax classifier and the two-layer ReLU network by full-batch gradient descent,
// prints the seed's log lines and writes the three pictures. See --help.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli_checks.h"
#include "launch.h"
#include "graph/anomaly.h"
#include "optim/make_optimizer.h"
#include "run.h"

namespace {

using cgrad::spiral::Dtype;
using cgrad::spiral::ModelChoice;
using cgrad::examples::kUsageError;

// Keyword options are read as text, checked against their names, then mapped; that keeps
// --help readable ("{linear,two-layer,all}") and the error naming the allowed values.
struct Keywords {
  std::string model = "all";
  std::string dtype = "f64";
  std::string rng = "numpy";
  std::string init;  // empty: chosen by run() from --optim
};

using cgrad::examples::kFinite;

std::string learning_rate_help() {
  std::string help = "learning rate [default: 1.0, the seed's, without --optim; with --optim, its own:";
  for (std::string_view name : cgrad::kOptimizerNames) help += fmt::format(" {} {}", name, cgrad::default_lr(name));
  return help + "]";
}

void add_options(CLI::App& app, cgrad::spiral::RunOptions& o, Keywords& k, std::size_t& threads) {
  constexpr std::size_t kMaxIterations = 1'000'000'000;
  app.add_option("--model", k.model, "which models to train; all: data, linear, two-layer from one random stream")
      ->check(CLI::IsMember({"linear", "two-layer", "all"}))
      ->capture_default_str();
  app.add_option("--iters", o.iterations, "optimizer steps [default: 200 linear, 10000 two-layer]")
      ->check(CLI::Range(std::size_t{0}, kMaxIterations));
  app.add_option("--hidden", o.hidden, "hidden units of the two-layer network")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--optim", o.optimizer,
                 "optimizer from optim/; naming one (sgd too) makes --lr and --init default to that "
                 "optimizer's lr and he [default: the seed's sgd, p -= 1.0 * grad, seed init]")
      ->check(CLI::IsMember(std::vector<std::string>(cgrad::kOptimizerNames.begin(), cgrad::kOptimizerNames.end())));
  app.add_option("--lr", o.learning_rate, learning_rate_help())->check(kFinite & CLI::Range(0.0, 1e6));
  app.add_option("--batch", o.batch,
                 "rows per optimizer step, shuffled each epoch from --seed; log lines then show the "
                 "mini-batch's loss [default: all the data, as the seed]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  app.add_option("--init", k.init,
                 "weights: seed = 0.01 * randn, as the seed; he = randn * sqrt(2 / inputs), drawn from the "
                 "same stream [default: seed without --optim, he with it (the default lrs are tuned for he)]")
      ->check(CLI::IsMember({"seed", "he"}));
  app.add_option("--reg", o.reg, "L2 regularisation strength")
      ->check(kFinite & CLI::Range(0.0, 1e6))
      ->capture_default_str();
  app.add_option("--dtype", k.dtype, "floating-point type (the seed computes in float64)")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "threads for the matrix products [default: all cores]")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
  app.add_option("--seed", o.seed, "random seed, 0 to 4294967295")->capture_default_str();
  app.add_option("--rng", k.rng, "numpy: NumPy's legacy RandomState, as the seed; std: std::mt19937_64")
      ->check(CLI::IsMember({"numpy", "std"}))
      ->capture_default_str();
  app.add_option("--points", o.points, "points per class")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))
      ->capture_default_str();
  app.add_option("--classes", o.classes, "number of classes (spiral arms)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 10))
      ->capture_default_str();
  app.add_option("--out", o.out_dir, "directory for the PNG pictures")->capture_default_str();
  app.add_option("--load", o.load,
                 "start from this checkpoint (with --iters 0: only evaluate it). Training on also restores "
                 "the optimizer's state and step count, so --optim must match the saving run's; the "
                 "mini-batch order restarts from --seed. One model: needs --model linear or two-layer");
  app.add_option("--save", o.save,
                 "after training, write the parameters and optimizer state to this safetensors "
                 "checkpoint (atomically). One model: needs --model linear or two-layer");
}

void apply_keywords(const Keywords& k, cgrad::spiral::RunOptions& o) {
  o.model = k.model == "linear" ? ModelChoice::Linear
            : k.model == "two-layer" ? ModelChoice::TwoLayer
                                     : ModelChoice::All;
  o.dtype = k.dtype == "f32" ? Dtype::F32 : Dtype::F64;
  o.rng = cgrad::spiral::parse_rng_kind(k.rng);
  if (!k.init.empty()) o.init = k.init == "he" ? cgrad::spiral::WeightInit::He : cgrad::spiral::WeightInit::Seed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spiral: the seed's spiral data, linear classifier and two-layer network on cgrad", "spiral"};
  cgrad::spiral::RunOptions options;
  Keywords keywords;
  std::size_t threads = 0;
  add_options(app, options, keywords, threads);
  bool detect_anomaly = false;
  app.add_flag("--detect-anomaly", detect_anomaly,
               "check every op's output and gradient for NaN/Inf; stop at the first, naming the op and the "
               "line that recorded it");
  bool distributed = false;
  app.add_flag("--distributed",
               distributed,
               "data-parallel training under mpirun -np N: each rank trains on its shard of every batch, the "
               "gradients are averaged (dist/); rank 0 prints and writes the files. Same final lines as one process");
  if (const auto status = cgrad::examples::parse_command_line(app, argc, argv, cgrad::examples::HelpOnError::yes))
    return *status;

  options.distributed = distributed;
  const cgrad::examples::Launch launch("spiral", distributed, argc, argv);
  if (!launch.ready()) return kUsageError;
  return launch.run(threads, [&](std::FILE* out) {
    apply_keywords(keywords, options);
    const cgrad::DetectAnomaly anomaly(detect_anomaly);  // per thread: the one that records the graph
    cgrad::spiral::run(options, out);
  });
}
