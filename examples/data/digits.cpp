#include "digits.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/std.h>

#include "graph/error.h"
#include "nn/random.h"
#include "read_file.h"

namespace cgrad::data {

namespace {

constexpr std::size_t kPixels = kDigitsSide * kDigitsSide;
constexpr int kMaxPixel = 16;

// Rows `rows` of `all`, in that order.
template <Real T>
Dataset<T> select_rows(const Dataset<T>& all, const std::vector<std::size_t>& rows) {
  const std::size_t cols = all.features().cols();
  Tensor<T> features(rows.size(), cols);
  std::vector<std::int32_t> labels;
  labels.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < cols; ++c) features(r, c) = all.features()(rows[r], c);
    labels.push_back(all.labels()[rows[r]]);
  }
  return Dataset<T>(std::move(features), std::move(labels));
}

}  // namespace

template <Real T>
Dataset<T> load_digits(const std::filesystem::path& csv) {
  const std::string text = read_file(csv);
  std::vector<T> pixels;
  std::vector<std::int32_t> labels;
  std::size_t line_number = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::size_t field = 0;
    const char* p = line.data();
    const char* const stop = line.data() + line.size();
    while (true) {
      int value = 0;
      const auto [next, error] = std::from_chars(p, stop, value);
      if (error != std::errc() || field > kPixels)
        throw IoError(fmt::format("{}:{}: expected {} integers separated by commas", csv, line_number, kPixels + 1));
      const bool is_label = field == kPixels;
      const int max = is_label ? static_cast<int>(kDigitsClasses) - 1 : kMaxPixel;
      if (value < 0 || value > max)
        throw IoError(fmt::format("{}:{}: {} {} is outside 0..{}", csv, line_number, is_label ? "class" : "pixel",
                                  value, max));
      if (is_label)
        labels.push_back(value);
      else
        pixels.push_back(static_cast<T>(value) / static_cast<T>(kMaxPixel));
      ++field;
      if (next == stop) break;
      if (*next != ',') throw IoError(fmt::format("{}:{}: unexpected '{}'", csv, line_number, *next));
      p = next + 1;
    }
    if (field != kPixels + 1)
      throw IoError(fmt::format("{}:{}: {} values, expected {}", csv, line_number, field, kPixels + 1));
  }
  if (labels.empty()) throw IoError(fmt::format("{}: no digits in the file", csv));
  Tensor<T> features(labels.size(), kPixels, pixels);
  return Dataset<T>(std::move(features), std::move(labels));
}

template <Real T>
std::pair<Dataset<T>, Dataset<T>> stratified_split(const Dataset<T>& all, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1))
    throw ValueError(fmt::format("stratified_split: test_fraction {} is outside (0, 1)", test_fraction));
  std::int32_t classes = 0;
  for (std::int32_t label : all.labels()) classes = std::max(classes, label + 1);
  std::vector<std::vector<std::size_t>> by_class(static_cast<std::size_t>(classes));
  for (std::size_t row = 0; row < all.size(); ++row)
    by_class[static_cast<std::size_t>(all.labels()[row])].push_back(row);
  Rng rng(seed);
  std::vector<bool> in_test(all.size(), false);
  for (std::vector<std::size_t>& rows : by_class) {
    rng.shuffle(rows);
    const auto take = static_cast<std::size_t>(std::lround(static_cast<double>(rows.size()) * test_fraction));
    for (std::size_t i = 0; i < take; ++i) in_test[rows[i]] = true;
  }
  std::vector<std::size_t> train_rows;
  std::vector<std::size_t> test_rows;
  for (std::size_t row = 0; row < all.size(); ++row) (in_test[row] ? test_rows : train_rows).push_back(row);
  if (train_rows.empty() || test_rows.empty())
    throw ValueError(fmt::format("stratified_split: {} rows with test_fraction {} leave a set empty", all.size(),
                                 test_fraction));
  return {select_rows(all, train_rows), select_rows(all, test_rows)};
}

template Dataset<float> load_digits(const std::filesystem::path&);
template Dataset<double> load_digits(const std::filesystem::path&);
template std::pair<Dataset<float>, Dataset<float>> stratified_split(const Dataset<float>&, double, std::uint64_t);
template std::pair<Dataset<double>, Dataset<double>> stratified_split(const Dataset<double>&, double, std::uint64_t);

}  // namespace cgrad::data
