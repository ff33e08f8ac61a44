#include "models.h"

#include <vector>

#include "vocab.h"

namespace cgrad::chars {
namespace {

class Bigram : public CharModel {
 public:
  explicit Bigram(Rng& rng) : table_(EmbeddingOptions(kVocabSize, kVocabSize), rng) {
    this->register_module("table", table_);
  }

  Var<float> logits(Graph<float>& graph, Sequences inputs) override {
    tokens_.clear();
    for (auto sequence : inputs) tokens_.insert(tokens_.end(), sequence.begin(), sequence.end());
    return table_.forward(graph, tokens_);
  }

 private:
  Embedding<float> table_;
  std::vector<std::int64_t> tokens_;
};

}  // namespace

std::unique_ptr<CharModel> make_bigram(Rng& rng) { return std::make_unique<Bigram>(rng); }

}  // namespace cgrad::chars
