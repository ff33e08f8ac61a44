// Writes the checkpoint fuzzer's seed corpus into DIR: valid checkpoints of the fuzz model
// in f32 and f64, with and without Adam's state, so mutations start from real files; and
// damaged variants, each refused by one of the loader's checks on the header's numbers
// (negative or fractional numbers, a byte count that overflows, overlapping data ranges,
// data bytes that belong to no tensor), so mutations start near those checks too.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_model.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

std::uint64_t header_size(const std::string& bytes) {
  std::uint64_t size = 0;
  for (int i = 7; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  return size;
}

// The checkpoint `bytes` with its header rewritten by `edit` and `extra` bytes inserted at the
// start of the data section; the length prefix is written little-endian.
template <class Edit>
std::string damaged(const std::string& bytes, Edit edit, std::size_t extra_before_data = 0) {
  const std::uint64_t size = header_size(bytes);
  json header = json::parse(bytes.substr(8, size));
  edit(header);
  const std::string text = header.dump();
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  return out + text + std::string(extra_before_data, '\0') + bytes.substr(8 + size);
}

void write_damaged_seeds(const fs::path& dir, const std::string& prefix, const std::string& good) {
  // "b" is [1,3]; [-1,-3] would wrap to 3 elements when read as uint64.
  write_bytes(dir / (prefix + "_negative_shape.safetensors"),
              damaged(good, [](json& h) { h["b"]["shape"] = {-1, -3}; }));
  write_bytes(dir / (prefix + "_negative_offset.safetensors"), damaged(good, [](json& h) {
                h["b"]["data_offsets"][0] = -h["b"]["data_offsets"][1].get<std::int64_t>();
              }));
  write_bytes(dir / (prefix + "_fractional_shape.safetensors"),
              damaged(good, [](json& h) { h["b"]["shape"] = {1.0, 3.0}; }));
  // 3 * (2^62 + 1) elements: their byte count wraps around 64 bits to b's own.
  write_bytes(dir / (prefix + "_overflowing_shape.safetensors"), damaged(good, [](json& h) {
                h["b"]["shape"] = {3, (std::uint64_t{1} << 62) + 1};
              }));
  // b's range moved onto the start of a's.
  write_bytes(dir / (prefix + "_overlapping_ranges.safetensors"), damaged(good, [](json& h) {
                const auto a = h["a"]["data_offsets"][0].get<std::uint64_t>();
                const auto b = h["b"]["data_offsets"];
                h["b"]["data_offsets"] = {a, a + b[1].get<std::uint64_t>() - b[0].get<std::uint64_t>()};
              }));
  write_bytes(dir / (prefix + "_trailing_bytes.safetensors"), good + std::string(8, '\0'));
  // Every range moved 8 bytes on, past 8 new bytes at the start of the data.
  const auto shift_ranges = [](json& h) {
    for (auto item : h.items())
      if (item.key() != "__metadata__")
        for (auto& offset : item.value()["data_offsets"]) offset = offset.get<std::uint64_t>() + 8;
  };
  write_bytes(dir / (prefix + "_leading_gap.safetensors"), damaged(good, shift_ranges, 8));
}

template <cgrad::Real T>
void write_seeds(const fs::path& dir, const char* dtype) {
  cgrad::fuzz::FuzzModel<T> model;
  model.a.grad().fill(T(1));
  model.b.grad().fill(T(-1));
  model.adam.step();  // non-trivial optimizer state
  const fs::path plain = dir / (std::string("plain_") + dtype + ".safetensors");
  const fs::path adam = dir / (std::string("adam_") + dtype + ".safetensors");
  cgrad::save_checkpoint(plain, model.named());
  cgrad::save_checkpoint(adam, model.named(), &model.adam);
  write_damaged_seeds(dir, std::string("plain_") + dtype, read_bytes(plain));
  write_damaged_seeds(dir, std::string("adam_") + dtype, read_bytes(adam));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::create_directories(argv[1]);
  write_seeds<float>(argv[1], "f32");
  write_seeds<double>(argv[1], "f64");
}
