// Writes the checkpoint fuzzer's seed corpus into DIR: valid checkpoints of the fuzz model
// in f32 and f64, with and without Adam's state, so mutations start from real files.
#include <cstdio>
#include <filesystem>

#include "fuzz_model.h"

template <cgrad::Real T>
void write_seeds(const std::filesystem::path& dir, const char* dtype) {
  cgrad::fuzz::FuzzModel<T> model;
  model.a.grad().fill(T(1));
  model.b.grad().fill(T(-1));
  model.adam.step();  // non-trivial optimizer state
  cgrad::save_checkpoint(dir / (std::string("plain_") + dtype + ".safetensors"), model.named());
  cgrad::save_checkpoint(dir / (std::string("adam_") + dtype + ".safetensors"), model.named(), &model.adam);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  write_seeds<float>(argv[1], "f32");
  write_seeds<double>(argv[1], "f64");
}
