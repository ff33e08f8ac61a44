// libFuzzer target: load_checkpoint on arbitrary bytes, into f32 and f64 models, with and
// without optimizer state. A refusal must be a cgrad::Error and leave the model as it
// was; anything else (a crash, a sanitizer report, another exception, a changed model
// after a refusal) is a finding. load_checkpoint takes a path, so each input is written to
// a file first (in /dev/shm when there is one: memory, not disk).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "fuzz_model.h"

namespace {

namespace fs = std::filesystem;

const fs::path& input_file() {
  static const fs::path file = (fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
                               ("cgrad_fuzz_" + std::to_string(::getpid()) + ".safetensors");
  return file;
}

template <cgrad::Real T>
bool same(const cgrad::Tensor<T>& x, const cgrad::Tensor<T>& y) {
  return x.shape() == y.shape() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}

template <cgrad::Real T>
void load_into_fresh_model(bool with_optimizer) {
  cgrad::fuzz::FuzzModel<T> model;
  const cgrad::Tensor<T> a = model.a.value(), b = model.b.value();
  try {
    cgrad::load_checkpoint(input_file(), model.named(), with_optimizer ? &model.adam : nullptr);
  } catch (const cgrad::Error&) {
    if (!same(model.a.value(), a) || !same(model.b.value(), b)) {
      std::fprintf(stderr, "a refused checkpoint changed the model\n");
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(input_file().c_str(), "wb");
  if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
  load_into_fresh_model<float>(false);
  load_into_fresh_model<float>(true);
  load_into_fresh_model<double>(false);
  return 0;
}
