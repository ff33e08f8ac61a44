#include "words.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/std.h>

#include "graph/error.h"
#include "nn/random.h"
#include "read_file.h"

namespace cgrad::data {

std::vector<std::string> load_words(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  std::vector<std::string> words;
  std::unordered_set<std::string_view> seen;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!word.empty() && word.back() == '\r') word.remove_suffix(1);
    const bool letters_only = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return c >= 'a' && c <= 'z';
    });
    if (letters_only && seen.insert(word).second) words.emplace_back(word);
  }
  if (words.empty()) throw IoError(fmt::format("{}: no word of the letters a-z only", file));
  return words;
}

WordSplit split_words(std::vector<std::string> words, double validation_fraction, std::uint64_t seed) {
  if (!(validation_fraction > 0 && validation_fraction < 1))
    throw ValueError(fmt::format("split_words: validation_fraction {} is outside (0, 1)", validation_fraction));
  const auto take = static_cast<std::size_t>(std::lround(static_cast<double>(words.size()) * validation_fraction));
  if (take == 0 || take == words.size())
    throw ValueError(fmt::format("split_words: {} words with validation_fraction {} leave a set empty", words.size(),
                                 validation_fraction));
  Rng rng(seed);
  rng.shuffle(words);
  WordSplit split;
  split.validation.assign(std::make_move_iterator(words.begin()),
                          std::make_move_iterator(words.begin() + static_cast<std::ptrdiff_t>(take)));
  split.train.assign(std::make_move_iterator(words.begin() + static_cast<std::ptrdiff_t>(take)),
                     std::make_move_iterator(words.end()));
  return split;
}

}  // namespace cgrad::data
