#include "models.h"

#include <vector>

#include "vocab.h"

namespace cgrad::chars {
namespace {

class ContextMlp : public CharModel {
 public:
  ContextMlp(const ModelSizes& sizes, Rng& rng)
      : context_(sizes.context),
        embedding_(EmbeddingOptions(kVocabSize, sizes.embedding), rng),
        hidden_(LinearOptions(sizes.context * sizes.embedding, sizes.hidden), rng),
        output_(LinearOptions(sizes.hidden, kVocabSize), rng) {
    this->register_module("embedding", embedding_);
    this->register_module("hidden", hidden_);
    this->register_module("output", output_);
  }

  Var<float> logits(Graph<float>& graph, Sequences inputs) override {
    // Each position reads the `context_` tokens ending at it; before a word's start, the
    // boundary (makemore's "..." context of a word's first letter).
    contexts_.clear();
    std::size_t positions = 0;
    for (auto sequence : inputs) {
      for (std::size_t t = 0; t < sequence.size(); ++t)
        for (std::size_t k = 0; k < context_; ++k) {
          const std::size_t back = context_ - 1 - k;
          contexts_.push_back(t >= back ? sequence[t - back] : kBoundary);
        }
      positions += sequence.size();
    }
    const Var<float> embedded = embedding_.forward(graph, contexts_, Shape{positions, context_});
    const auto flat = reshape(embedded, Shape{positions, context_ * embedding_.embedding_dim()});
    return output_.forward(graph, tanh(hidden_.forward(graph, flat)));
  }

 private:
  std::size_t context_;
  Embedding<float> embedding_;
  Linear<float> hidden_, output_;
  std::vector<std::int64_t> contexts_;
};

}  // namespace

std::unique_ptr<CharModel> make_mlp(const ModelSizes& sizes, Rng& rng) { return std::make_unique<ContextMlp>(sizes, rng); }

}  // namespace cgrad::chars
