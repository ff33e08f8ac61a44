#include "idx.h"

#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fmt/std.h>

#include "graph/error.h"
#include "read_file.h"

namespace cgrad::data {

namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr std::size_t kMagicBytes = 4;
constexpr std::size_t kDimBytes = 4;

std::size_t big_endian_u32(const std::string& bytes, std::size_t at) {
  std::size_t value = 0;
  for (std::size_t i = 0; i < kDimBytes; ++i) value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return value;
}

// "<dir>/<name>.gz" if it exists, else "<dir>/<name>".
std::filesystem::path gzipped_or_plain(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::path gz = dir / (name + ".gz");
  return std::filesystem::exists(gz) ? gz : dir / name;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& file) {
  const std::string bytes = read_file(file);
  if (bytes.size() < kMagicBytes || bytes[0] != 0 || bytes[1] != 0)
    throw IoError(fmt::format("{}: not an IDX file (bad magic number)", file));
  const auto type = static_cast<std::uint8_t>(bytes[2]);
  if (type != kUnsignedByte)
    throw IoError(fmt::format("{}: IDX value type 0x{:02x} is not supported (only 0x08, unsigned bytes)", file, type));
  const auto rank = static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[3]));
  const std::size_t header = kMagicBytes + rank * kDimBytes;
  if (rank == 0 || bytes.size() < header)
    throw IoError(fmt::format("{}: truncated IDX header ({} dimensions, {} bytes)", file, rank, bytes.size()));
  IdxArray array;
  std::size_t count = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    array.dims.push_back(big_endian_u32(bytes, kMagicBytes + d * kDimBytes));
    count *= array.dims.back();
  }
  if (bytes.size() - header != count)
    throw IoError(fmt::format("{}: the header says [{}] ({} values) but {} bytes follow it", file,
                              fmt::join(array.dims, ","), count, bytes.size() - header));
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

template <Real T>
Dataset<T> load_idx(const std::filesystem::path& images, const std::filesystem::path& labels) {
  const IdxArray pixels = read_idx(images);
  const IdxArray classes = read_idx(labels);
  if (pixels.dims.size() != 3)
    throw IoError(fmt::format("{}: expected images [n, rows, cols], got [{}]", images, fmt::join(pixels.dims, ",")));
  if (classes.dims.size() != 1 || classes.dims[0] != pixels.dims[0])
    throw IoError(fmt::format("{}: expected {} labels, got [{}]", labels, pixels.dims[0], fmt::join(classes.dims, ",")));
  const std::size_t n = pixels.dims[0];
  const std::size_t size = pixels.dims[1] * pixels.dims[2];
  Tensor<T> features(n, size);
  for (std::size_t i = 0; i < n * size; ++i) features.data()[i] = static_cast<T>(pixels.values[i]) / T(255);
  std::vector<std::int32_t> label_values(classes.values.begin(), classes.values.end());
  return Dataset<T>(std::move(features), std::move(label_values));
}

template <Real T>
Dataset<T> load_mnist(const std::filesystem::path& dir, std::string_view split) {
  if (split != "train" && split != "t10k")
    throw ValueError(fmt::format("load_mnist: split '{}' is neither 'train' nor 't10k'", split));
  return load_idx<T>(gzipped_or_plain(dir, fmt::format("{}-images-idx3-ubyte", split)),
                     gzipped_or_plain(dir, fmt::format("{}-labels-idx1-ubyte", split)));
}

template Dataset<float> load_idx(const std::filesystem::path&, const std::filesystem::path&);
template Dataset<double> load_idx(const std::filesystem::path&, const std::filesystem::path&);
template Dataset<float> load_mnist(const std::filesystem::path&, std::string_view);
template Dataset<double> load_mnist(const std::filesystem::path&, std::string_view);

}  // namespace cgrad::data
