#pragma once
// What the digits example does once its command line is parsed: load the data, build the
// model (or load a checkpoint), train it with a line per epoch, write the pictures, save,
// and classify a picture file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "model.h"

namespace cgrad::digits {

// Defaults chosen on the built-in 8×8 set (README, "Model zoo: digits").
struct Defaults {
  std::size_t epochs;
  std::size_t batch;
  const char* optimizer;
  double lr;
};
Defaults defaults(ModelKind kind);

struct RunOptions {
  ModelKind model = ModelKind::Mlp;
  std::optional<std::size_t> epochs;  // unset: the model's default; 0 after --load
  std::optional<std::size_t> batch;
  std::optional<std::string> optimizer;  // one of kOptimizerNames
  std::optional<double> lr;
  std::uint32_t seed = 0;
  std::optional<std::string> data_dir;  // MNIST layout; unset: the built-in digits
  std::optional<std::string> load;
  std::optional<std::string> save;
  std::optional<std::string> predict;  // a picture file to classify
  std::string out_dir = "out";
  bool distributed = false;  // needs MPI initialized
  bool progress = true;
};

// Prints to out; throws cgrad::Error (ValueError, IoError) on bad options or files.
void run(const RunOptions& options, std::FILE* out);

}  // namespace cgrad::digits
