#include "vocab.h"

namespace cgrad::chars {

std::vector<std::int64_t> encode(std::string_view word) {
  std::vector<std::int64_t> tokens;
  tokens.reserve(word.size() + 2);
  tokens.push_back(kBoundary);
  for (char c : word) tokens.push_back(c - 'a' + 1);
  tokens.push_back(kBoundary);
  return tokens;
}

std::string decode(const std::vector<std::int64_t>& tokens) {
  std::string text;
  text.reserve(tokens.size());
  for (std::int64_t t : tokens) text.push_back(t == kBoundary ? '.' : static_cast<char>('a' + t - 1));
  return text;
}

}  // namespace cgrad::chars
