#pragma once
// A word list for character-level language models: Debian's wamerican package installs
// /usr/share/dict/american-english, one word per line.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cgrad::data {

inline constexpr const char* kWordListFile = "/usr/share/dict/american-english";

// The words made of the lower-case letters a–z only (so no names, no "it's"), each once,
// in the order of the file. Throws IoError when the file cannot be read or holds no such
// word.
std::vector<std::string> load_words(const std::filesystem::path& file);

struct WordSplit {
  std::vector<std::string> train;
  std::vector<std::string> validation;
};

// Shuffles with `seed` and puts the first round(n · validation_fraction) words in the
// validation set. Throws ValueError when the fraction is outside (0, 1) or a set would be
// empty.
WordSplit split_words(std::vector<std::string> words, double validation_fraction, std::uint64_t seed);

}  // namespace cgrad::data
