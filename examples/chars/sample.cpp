#include "sample.h"

#include <algorithm>
#include <cmath>

#include "vocab.h"

namespace cgrad::chars {
namespace {

// A token drawn from softmax(logits): the first whose cumulative probability exceeds u.
std::int64_t draw(std::span<const float> logits, Rng& rng) {
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> weights(logits.size());
  double total = 0.0;
  for (std::size_t k = 0; k < logits.size(); ++k) total += weights[k] = std::exp(logits[k] - top);
  double u = rng.uniform() * total;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    u -= weights[k];
    if (u < 0) return static_cast<std::int64_t>(k);
  }
  return static_cast<std::int64_t>(weights.size() - 1);  // rounding: u landed past the end
}

}  // namespace

std::vector<std::string> sample_words(CharModel& model, std::size_t count, Rng& rng, std::size_t max_letters) {
  if (model.max_input() > 0) max_letters = std::min(max_letters, model.max_input() - 1);
  const bool was_training = model.is_training();
  model.eval();
  Graph<float> graph;
  std::vector<std::string> words;
  for (std::size_t w = 0; w < count; ++w) {
    std::vector<std::int64_t> tokens{kBoundary};
    while (tokens.size() <= max_letters) {
      graph.clear();
      const std::span<const std::int64_t> prefix(tokens);
      const Var<float> logits = model.logits(graph, std::span(&prefix, 1));
      const std::int64_t next = draw(logits.value().span().last(kVocabSize), rng);
      if (next == kBoundary) break;
      tokens.push_back(next);
    }
    words.push_back(decode(tokens).substr(1));
  }
  model.train(was_training);
  return words;
}

}  // namespace cgrad::chars
