#pragma once
// What the spiral example does once its command line is parsed: data, then the chosen
// models, from one random stream, printing the seed's log and writing the pictures; each
// model may start from a checkpoint and be saved after training.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "model.h"
#include "random_source.h"

namespace cgrad::spiral {

enum class ModelChoice { Linear, TwoLayer, All };
enum class Dtype { F32, F64 };

struct RunOptions {
  ModelChoice model = ModelChoice::All;
  std::optional<std::size_t> iterations;  // default: 200 linear, 10000 two-layer
  std::size_t hidden = 100;
  // One of kOptimizerNames (optim/make_optimizer.h); unset: sgd at the seed's lr.
  std::optional<std::string> optimizer;
  // Unset: the seed's 1.0 when no optimizer is named, else that optimizer's default_lr.
  std::optional<double> learning_rate;
  std::optional<std::size_t> batch;  // rows per step; unset: the full data, as the seed
  // Unset: the seed's 0.01 * randn without an optimizer named, else He.
  std::optional<WeightInit> init;
  double reg = 1e-3;
  Dtype dtype = Dtype::F64;
  std::uint32_t seed = 0;
  RngKind rng = RngKind::Numpy;
  std::size_t points = 100;
  std::size_t classes = 3;
  std::string out_dir = "out";
  // Checkpoints (nn/checkpoint.h) of one model: --model all is refused with either.
  std::optional<std::string> load;  // read before training
  std::optional<std::string> save;  // written after training
  // Data-parallel under mpirun (dist/): every rank trains on its shard of each batch;
  // rank 0 alone writes the pictures and the checkpoint. Needs MPI initialized.
  bool distributed = false;
};

// The seed's step size, used when neither an optimizer nor a learning rate is given.
inline constexpr double kSeedLearningRate = 1.0;

// Each model's name and the seed's schedule; public so that the LibTorch twin
// (benchmarks/peers/spiral_torch.cpp) trains and logs the same steps.
struct ModelSpec {
  const char* name;       // as printed: "linear", "two-layer"
  const char* file_stem;  // spiral_<stem>.png
  std::size_t default_iterations;
  std::size_t log_every;
};

inline constexpr ModelSpec kLinear{"linear", "linear", 200, 10};
inline constexpr ModelSpec kTwoLayer{"two-layer", "two_layer", 10000, 1000};

// Prints to out; throws cgrad::Error (ValueError, IoError) on bad options or files.
void run(const RunOptions& options, std::FILE* out);

}  // namespace cgrad::spiral
