#include "corpus.h"

#include <algorithm>

#include "graph/error.h"
#include "vocab.h"

namespace cgrad::chars {

Corpus encode_split(const data::WordSplit& split) {
  Corpus corpus;
  for (const auto& word : split.train) corpus.train.push_back(encode(word));
  for (const auto& word : split.validation) corpus.validation.push_back(encode(word));
  return corpus;
}

void fill_batch(std::span<const Word* const> words, WordBatch& batch) {
  batch.inputs.clear();
  batch.targets.clear();
  for (const Word* word : words) {
    batch.inputs.emplace_back(word->data(), word->size() - 1);
    for (std::size_t t = 1; t < word->size(); ++t) batch.targets.push_back(static_cast<std::int32_t>((*word)[t]));
  }
}

WordBatches::WordBatches(const std::vector<Word>& words, std::size_t batch_size, std::uint64_t seed)
    : words_(words), batch_size_(batch_size), rng_(seed) {
  if (batch_size == 0) throw ValueError("the batch size must be > 0");
  if (words.empty()) throw ValueError("no words to train on");
  for (const Word& word : words_) order_.push_back(&word);
  rng_.shuffle(order_);
  position_ = 0;
}

const WordBatch& WordBatches::next() {
  if (position_ == order_.size()) {
    rng_.shuffle(order_);
    position_ = 0;
    ++epoch_;
  }
  const std::size_t take = std::min(batch_size_, order_.size() - position_);
  fill_batch(std::span(order_).subspan(position_, take), batch_);
  position_ += take;
  return batch_;
}

}  // namespace cgrad::chars
