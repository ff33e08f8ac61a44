#pragma once
// The data a digits run trains and tests on: the built-in 8×8 UCI digits
// (data/digits.csv.gz), split 80/20 per class by the seed, or an MNIST-layout directory of
// IDX files (MNIST, Fashion-MNIST: 28×28) with its own train and t10k sets.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "nn/dataset.h"

namespace cgrad::digits {

struct DigitsData {
  Dataset<float> train;
  Dataset<float> test;
  std::size_t side;         // images are side × side, rows of side² pixels in [0, 1]
  std::string description;  // for the log: "UCI digits 8x8 (1437 train, 360 test)"
};

// The fraction of each class the built-in set holds out for testing.
inline constexpr double kTestFraction = 0.2;

// No directory: the built-in digits, split with `seed`. Throws IoError for missing or bad
// files, ValueError when the images are not square.
DigitsData load_data(const std::optional<std::filesystem::path>& mnist_dir, std::uint64_t seed);

}  // namespace cgrad::digits
