#pragma once
// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a
// big-endian header — two zero bytes, a type byte (0x08: unsigned bytes, the only type
// those sets use), the number of dimensions — then each dimension as a 32-bit big-endian
// count, then the values row-major. Files may be gzipped or not.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "nn/dataset.h"

namespace cgrad::data {

struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> values;  // row-major, the product of dims
};

// Throws IoError naming the file for a bad magic number, a type other than 0x08, or a
// size that disagrees with the header.
IdxArray read_idx(const std::filesystem::path& file);

// Images [n, rows, cols] and labels [n] as a Dataset with features [n, rows·cols], each
// pixel divided by 255. Throws IoError when the counts differ or a file is malformed.
template <Real T>
Dataset<T> load_idx(const std::filesystem::path& images, const std::filesystem::path& labels);

// The MNIST layout in `dir`: "train-images-idx3-ubyte" and "train-labels-idx1-ubyte"
// (split "train") or "t10k-..." (split "t10k"), each with or without ".gz".
template <Real T>
Dataset<T> load_mnist(const std::filesystem::path& dir, std::string_view split);

}  // namespace cgrad::data
