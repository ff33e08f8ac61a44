#pragma once
// The word list as token sequences, and the shuffled mini-batches of words training reads.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "words.h"
#include "char_model.h"
#include "nn/random.h"

namespace cgrad::chars {

using Word = std::vector<std::int64_t>;  // ".word." as tokens (vocab.h)

struct Corpus {
  std::vector<Word> train, validation;
};

Corpus encode_split(const data::WordSplit& split);

// A batch of words as the models read them (each word without its final boundary) and the
// token each position is scored against (each word without its first), word by word.
struct WordBatch {
  std::vector<std::span<const std::int64_t>> inputs;
  std::vector<std::int32_t> targets;
};
void fill_batch(std::span<const Word* const> words, WordBatch& batch);

// An endless stream of mini-batches of words: each epoch visits every word once, in an
// order shuffled by Rng(seed) (Fisher–Yates, the same on every standard library); the last
// batch of an epoch holds the words left over.
class WordBatches {
 public:
  // Keeps a reference to `words`. Throws ValueError when batch_size is 0 or words is empty.
  WordBatches(const std::vector<Word>& words, std::size_t batch_size, std::uint64_t seed);

  // The next batch; valid until the following call.
  const WordBatch& next();
  // Completed passes over the words.
  std::size_t epoch() const { return epoch_; }

 private:
  const std::vector<Word>& words_;
  std::size_t batch_size_;
  Rng rng_;
  std::vector<const Word*> order_;
  std::size_t position_;
  std::size_t epoch_ = 0;
  WordBatch batch_;
};

}  // namespace cgrad::chars
