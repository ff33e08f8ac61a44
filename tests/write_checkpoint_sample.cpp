// Writes sample checkpoints for check_safetensors.py: <dir>/sample_f32.safetensors and
// <dir>/sample_f64.safetensors, with a = (i·0.25 − 1) as [2,3], b = 1/(i+1) as [1,3],
// and the state of an SGD-with-momentum optimizer after one step with gradient 1.
#include <cstdio>
#include <filesystem>
#include <string>

#include "cgrad.h"

template <cgrad::Real T>
void write_sample(const std::filesystem::path& file) {
  cgrad::Tensor<T> a(2, 3), b(1, 3);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(i * 0.25 - 1);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>(1.0 / static_cast<double>(i + 1));
  cgrad::Parameter<T> pa("a", a), pb("b", b);
  cgrad::Sgd<T> sgd({&pa, &pb}, {.lr = 0, .momentum = 0.5});  // lr 0: values stay as written
  pa.grad().fill(1);
  pb.grad().fill(1);
  sgd.step();
  cgrad::save_checkpoint(file, {{"a", &pa}, {"b", &pb}}, &sgd);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  write_sample<float>(std::filesystem::path(argv[1]) / "sample_f32.safetensors");
  write_sample<double>(std::filesystem::path(argv[1]) / "sample_f64.safetensors");
}
