#include "models.h"

#include <vector>

#include "vocab.h"

namespace cgrad::chars {
namespace {

// Rnn is Lstm<float> or Gru<float>: both return .output [T,N,H].
template <class Rnn, class RnnOptions>
class Recurrent : public CharModel {
 public:
  Recurrent(const ModelSizes& sizes, Rng& rng)
      : embedding_(EmbeddingOptions(kVocabSize, sizes.embedding), rng),
        rnn_(RnnOptions(sizes.embedding, sizes.hidden), rng),
        output_(LinearOptions(sizes.hidden, kVocabSize), rng),
        hidden_(sizes.hidden) {
    this->register_module("embedding", embedding_);
    this->register_module("rnn", rnn_);
    this->register_module("output", output_);
  }

  Var<float> logits(Graph<float>& graph, Sequences inputs) override {
    // Padded at the end with the boundary: a padded step comes after every real step of
    // its sequence, so it changes no real output, and real_rows leaves it out of the loss.
    const std::size_t steps = longest(inputs), batch = inputs.size();
    padded_tokens(inputs, /*steps_first=*/true, steps, tokens_);
    const Var<float> x = embedding_.forward(graph, tokens_, Shape{steps, batch});
    const Var<float> h = reshape(rnn_.forward(graph, x).output, Shape{steps * batch, hidden_});
    real_rows(inputs, /*steps_first=*/true, steps, rows_);
    return output_.forward(graph, index_select(h, 0, rows_));
  }

 private:
  Embedding<float> embedding_;
  Rnn rnn_;
  Linear<float> output_;
  std::size_t hidden_;
  std::vector<std::int64_t> tokens_, rows_;  // per forward, kept for their capacity
};

}  // namespace

std::unique_ptr<CharModel> make_lstm(const ModelSizes& sizes, Rng& rng) {
  return std::make_unique<Recurrent<Lstm<float>, LstmOptions>>(sizes, rng);
}

std::unique_ptr<CharModel> make_gru(const ModelSizes& sizes, Rng& rng) {
  return std::make_unique<Recurrent<Gru<float>, GruOptions>>(sizes, rng);
}

}  // namespace cgrad::chars
