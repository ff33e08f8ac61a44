#include "run.h"

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "model.h"
#include "plot.h"
#include "spiral_data.h"
#include "train.h"

#if CGRAD_SPIRAL_DISTRIBUTED
#include "dist/checkpoint.h"
#include "dist/environment.h"
#endif

namespace cgrad::spiral {
namespace {

std::string prepare_out_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw IoError(fmt::format("cannot create output directory '{}': {}", dir, error.message()));
  return dir;
}

std::string picture_path(const std::string& dir, const std::string& stem) {
  return (std::filesystem::path(dir) / fmt::format("spiral_{}.png", stem)).string();
}

// In a data-parallel run every rank holds the same model: rank 0 alone writes files.
bool writes_files(const RunOptions& options) {
#if CGRAD_SPIRAL_DISTRIBUTED
  return !options.distributed || dist::rank() == 0;
#else
  (void)options;
  return true;
#endif
}

template <Real T>
void save(const RunOptions& options, const std::vector<NamedParameter<T>>& named, const Optimizer<T>& optimizer) {
#if CGRAD_SPIRAL_DISTRIBUTED
  if (options.distributed) return dist::save_checkpoint_on_root<T>(*options.save, named, &optimizer);
#endif
  save_checkpoint<T>(*options.save, named, &optimizer);
}

// Without --lr: the seed's 1.0 for the default sgd, else the named optimizer's default.
std::optional<double> learning_rate(const RunOptions& options) {
  if (options.learning_rate) return options.learning_rate;
  if (!options.optimizer) return kSeedLearningRate;
  return std::nullopt;
}

// Without --init: the seed's 0.01 * randn for the seed's sgd; He for a named optimizer,
// whose default learning rate was tuned with He initialisation (optim/make_optimizer.h).
WeightInit weight_init(const RunOptions& options) {
  if (options.init) return *options.init;
  return options.optimizer ? WeightInit::He : WeightInit::Seed;
}

template <Real T>
void train_and_picture(const ModelSpec& spec, std::span<const std::size_t> layer_sizes,
                       const SpiralData<T>& data, RandomSource& rng, const RunOptions& options,
                       std::FILE* out) {
  Network<T> network(layer_sizes, rng, weight_init(options));
  const std::unique_ptr<Optimizer<T>> optimizer =
      make_optimizer<T>(options.optimizer.value_or("sgd"), network.parameters(), learning_rate(options));
  const std::vector<NamedParameter<T>> named = named_parameters(network.parameters());
  const std::size_t iterations = options.iterations.value_or(spec.default_iterations);
  if (options.load) {
    // The optimizer's state matters only when it takes steps or is saved again; a pure
    // evaluation (--iters 0) loads the parameters alone, whatever optimizer saved them.
    const bool with_state = iterations > 0 || options.save;
    load_checkpoint<T>(*options.load, named, with_state ? optimizer.get() : nullptr);
    fmt::print(out, "loaded {}\n", *options.load);
  }
  if (options.optimizer || options.batch || options.init)
    fmt::print(out, "{}: {} lr {}, {} init, {}\n", spec.name, options.optimizer.value_or("sgd"), optimizer->lr(),
               weight_init_name(weight_init(options)),
               options.batch ? fmt::format("batches of {}", *options.batch) : std::string("full batch"));

  const TrainOptions train_options{iterations,    options.reg,  spec.log_every,
                                   options.batch, options.seed, options.distributed};
  const TrainResult result = train(network, *optimizer, data, train_options, [out](std::string_view line) {
    fmt::print(out, "{}\n", line);
  });
  fmt::print(out, "{}: loss {:.6f} accuracy {:.2f}\n", spec.name, result.loss, result.accuracy);
  if (iterations > 0) fmt::print(out, "{}: {:.1f} us/iter\n", spec.name, result.microseconds_per_iteration);
  if (options.save) {
    save<T>(options, named, *optimizer);
    fmt::print(out, "saved {}\n", *options.save);
  }

  if (!writes_files(options)) return;
  Graph<T> g;
  const std::string path = picture_path(options.out_dir, spec.file_stem);
  write_decision_png<T>(path, data, [&](const Tensor<T>& points) { return network.predict(g, points); });
  fmt::print(out, "wrote {}\n", path);
}

template <Real T>
void run_as(const RunOptions& options, std::FILE* out) {
  RandomSource rng(options.rng, options.seed);
  const SpiralData<T> data = make_spiral<T>(options.points, options.classes, rng);
  fmt::print(out, "data: {} points in {} classes, rng {} seed {}, {}\n", data.labels.size(),
             data.classes, rng_kind_name(options.rng), options.seed, dtype_name<T>());
  const std::string data_path = picture_path(options.out_dir, "data");
  if (writes_files(options)) {
    write_data_png(data_path, data);
    fmt::print(out, "wrote {}\n", data_path);
  }

  constexpr std::size_t kFeatures = 2;
  if (options.model != ModelChoice::TwoLayer) {
    const std::array<std::size_t, 2> sizes{kFeatures, options.classes};
    train_and_picture<T>(kLinear, sizes, data, rng, options, out);
  }
  if (options.model != ModelChoice::Linear) {
    const std::array<std::size_t, 3> sizes{kFeatures, options.hidden, options.classes};
    train_and_picture<T>(kTwoLayer, sizes, data, rng, options, out);
  }
}

}  // namespace

void run(const RunOptions& options, std::FILE* out) {
  if (options.hidden == 0) throw ValueError("--hidden must be at least 1");
  // One file holds one model's parameters; writing two files under names the user did not
  // type would surprise more than asking for a choice.
  if (options.model == ModelChoice::All && (options.load || options.save))
    throw ValueError("--save and --load hold one model: add --model linear or --model two-layer");
  prepare_out_dir(options.out_dir);
  if (options.dtype == Dtype::F32)
    run_as<float>(options, out);
  else
    run_as<double>(options, out);
}

}  // namespace cgrad::spiral
