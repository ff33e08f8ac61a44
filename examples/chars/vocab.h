#pragma once
// The characters of the word models: token 0 is the boundary '.', which starts and ends
// every word (makemore's ".emma."), tokens 1..26 are 'a'..'z'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cgrad::chars {

inline constexpr std::size_t kVocabSize = 27;
inline constexpr std::int64_t kBoundary = 0;

// ".word." as tokens: the boundary, the letters, the boundary. The word holds a–z only
// (load_words guarantees it).
std::vector<std::int64_t> encode(std::string_view word);

// The letters of tokens 1..26 ('.' for the boundary).
std::string decode(const std::vector<std::int64_t>& tokens);

}  // namespace cgrad::chars
