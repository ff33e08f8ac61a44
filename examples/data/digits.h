#pragma once
// The UCI handwritten digits (data/digits.csv.gz; provenance in data/README.md): 1,797
// lines of 65 integers, the 64 pixels of an 8×8 image (0..16) and then the class (0..9).
#include <cstdint>
#include <filesystem>
#include <utility>

#include "nn/dataset.h"

namespace cgrad::data {

inline constexpr std::size_t kDigitsSide = 8;
inline constexpr std::size_t kDigitsClasses = 10;

// Features [n, 64], each pixel divided by 16 so that it lies in [0, 1]; labels 0..9.
// Throws IoError naming the file and the line for anything else.
template <Real T>
Dataset<T> load_digits(const std::filesystem::path& csv);

// Splits so that every class keeps its share: each class's rows, shuffled with `seed`,
// give round(count · test_fraction) rows to the test set and the rest to training; both
// sets keep the original order of their rows. Returns {train, test}. Throws ValueError
// when test_fraction is outside (0, 1) or a set would be empty.
template <Real T>
std::pair<Dataset<T>, Dataset<T>> stratified_split(const Dataset<T>& all, double test_fraction, std::uint64_t seed);

}  // namespace cgrad::data
