#pragma once
// What the spiral example does once its command line is parsed: data, then the chosen
// models, from one random stream, printing the seed's log and writing the pictures.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "random_source.h"

namespace cgrad::spiral {

enum class ModelChoice { Linear, TwoLayer, All };
enum class Dtype { F32, F64 };

struct RunOptions {
  ModelChoice model = ModelChoice::All;
  std::optional<std::size_t> iterations;  // default: 200 linear, 10000 two-layer
  std::size_t hidden = 100;
  double learning_rate = 1.0;
  double reg = 1e-3;
  Dtype dtype = Dtype::F64;
  std::uint32_t seed = 0;
  RngKind rng = RngKind::Numpy;
  std::size_t points = 100;
  std::size_t classes = 3;
  std::string out_dir = "out";
};

// Prints to out; throws cgrad::Error (ValueError, IoError) on bad options or files.
void run(const RunOptions& options, std::FILE* out);

}  // namespace cgrad::spiral
